//! The fuzz targets: each takes arbitrary bytes and must neither panic nor hang. Results are
//! used (formatted, re-encoded) so that the code behind them runs too, then dropped.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use crate::capture::Capture;
use crate::case::Case;
use crate::coap::Message;
use crate::engine::{Action, Engine, Event, TrialSetup};
use crate::lwm2m::Role;
use crate::lwm2m::{self, ContentFormat, Path, cbor, link_format, senml, tlv};
use crate::reference::bootstrap_server::{BootstrapServerConfig, BootstrapServerCore};
use crate::reference::client::{Device, DeviceConfig};
use crate::reference::server::ServerCore;
use crate::reference::udp::Core;
use crate::timing::Timing;

/// A path to decode against, from the first byte (depth) and the next (IDs), so the
/// path-dependent decoders (TLV, plain text, CBOR) see every depth.
fn path_prefix(data: &[u8]) -> (Path, &[u8]) {
    let Some((&depth, rest)) = data.split_first() else {
        return (Path::root(), data);
    };
    let id = |i: usize| u16::from(rest.get(i).copied().unwrap_or(0) % 8);
    let path = match depth % 5 {
        0 => Path::root(),
        1 => Path::object(id(0)),
        2 => Path::instance(id(0), id(1)),
        3 => Path::resource(id(0), id(1), id(2)),
        _ => Path::resource_instance(id(0), id(1), id(2), id(3)),
    };
    (path, rest.get(4..).unwrap_or_default())
}

/// Decodes and, when that works, describes and re-encodes in the same format.
fn decode_all(format: ContentFormat, base: &Path, payload: &[u8]) {
    if let Ok(content) = lwm2m::decode(Some(format), base, payload) {
        let _ = content.describe(Some(format));
        if let lwm2m::Content::Records(records) = &content {
            let _ = lwm2m::encode(format, base, records);
        }
    }
}

/// A CoAP datagram: parse, render, re-encode, parse again, describe its payload.
pub fn coap(data: &[u8]) {
    let Ok(m) = Message::parse(data) else {
        return;
    };
    let _ = m.to_string();
    let _ = (m.uri(), m.uri_query(), m.location_path(), m.observe(), m.accept());
    if let Ok(bytes) = m.to_bytes() {
        let _ = Message::parse(&bytes);
    }
    let _ = crate::dialogue::render::describe_payload(&m, None);
}

/// LwM2M TLV (content format 11542) under a path taken from the first bytes.
pub fn tlv(data: &[u8]) {
    let (base, payload) = path_prefix(data);
    if let Ok(records) = tlv::decode(&base, payload) {
        let _ = tlv::encode(&base, &records);
    }
    decode_all(ContentFormat::TLV, &base, payload);
}

/// SenML JSON (110).
pub fn senml_json(data: &[u8]) {
    if let Ok(records) = senml::decode_json(data) {
        let _ = senml::encode_json(&records);
    }
}

/// SenML CBOR (112).
pub fn senml_cbor(data: &[u8]) {
    if let Ok(records) = senml::decode_cbor(data) {
        let _ = senml::encode_cbor(&records);
    }
}

/// LwM2M CBOR (11544) and plain CBOR (60) under a path taken from the first bytes.
pub fn lwm2m_cbor(data: &[u8]) {
    let _ = cbor::decode_lwm2m_cbor(data);
    let (base, payload) = path_prefix(data);
    let _ = cbor::decode_single(&base, payload);
    decode_all(ContentFormat::LWM2M_CBOR, &base, payload);
    decode_all(ContentFormat::CBOR, &base, payload);
}

/// CoRE link format (40), as text and through the payload decoder.
pub fn link_format(data: &[u8]) {
    if let Ok(links) = link_format::parse(&String::from_utf8_lossy(data)) {
        let _ = link_format::serialize(&links);
        for l in &links {
            let _ = l.path();
        }
    }
    decode_all(ContentFormat::LINK_FORMAT, &Path::root(), data);
}

/// Every payload decoder by content format number (first two bytes), plain text and opaque
/// included, under a path taken from the next bytes.
pub fn content(data: &[u8]) {
    let (format, rest) = match data {
        [a, b, rest @ ..] => (ContentFormat(u16::from_be_bytes([*a, *b])), rest),
        _ => return,
    };
    // Mostly the formats the harness knows; sometimes any number.
    let known = [0, 40, 42, 60, 110, 112, 1541, 1542, 1543, 11542, 11543, 11544];
    let format = if format.0 & 0x8000 == 0 {
        ContentFormat(known[usize::from(format.0) % known.len()])
    } else {
        format
    };
    let (base, payload) = path_prefix(rest);
    decode_all(format, &base, payload);
}

/// A pcap or pcapng file, as `explain` and `analyze` read it.
pub fn capture(data: &[u8]) {
    let Ok(capture) = Capture::parse(data) else {
        return;
    };
    let explained = capture.explain();
    let _ = explained.transcript();
    let _ = crate::analyze::findings(&explained);
}

/// Datagrams and time steps for a sans-IO endpoint, read from a fuzz input: after a selector
/// byte, records of `[control][length: u16 BE][bytes]`. Control bits 0-3 advance the clock
/// (in 250 ms units), bit 4 fires due timers first, bits 5-6 pick the addresses, bit 7 copies
/// the Message ID and token of the endpoint's last datagram into this one (so it answers it).
struct Script<'a> {
    data: &'a [u8],
}

struct Step<'a> {
    advance: Duration,
    timers_first: bool,
    address: usize,
    answer_last: bool,
    bytes: &'a [u8],
}

impl<'a> Iterator for Script<'a> {
    type Item = Step<'a>;

    fn next(&mut self) -> Option<Step<'a>> {
        let [ctl, hi, lo, rest @ ..] = self.data else {
            return None;
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo])).min(rest.len());
        let (bytes, tail) = rest.split_at(len);
        self.data = tail;
        Some(Step {
            advance: Duration::from_millis(250 * u64::from(ctl & 0x0f)),
            timers_first: ctl & 0x10 != 0,
            address: usize::from((ctl >> 5) & 0x3),
            answer_last: ctl & 0x80 != 0,
            bytes,
        })
    }
}

/// Frames `datagrams` as a `Script` (the seed corpus of the endpoint targets).
pub fn script(selector: u8, datagrams: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![selector];
    for (i, d) in datagrams.iter().enumerate() {
        let len = d.len().min(usize::from(u16::MAX));
        out.push(if i % 2 == 1 { 0x84 } else { 0x04 });
        out.extend_from_slice(&(len as u16).to_be_bytes());
        out.extend_from_slice(&d[..len]);
    }
    out
}

/// `bytes` with the Message ID and token of `last` where the token lengths agree, so that a
/// mutated datagram can be the answer to what the endpoint just sent.
fn answering(bytes: &[u8], last: Option<&[u8]>) -> Vec<u8> {
    let mut out = bytes.to_vec();
    if let (Some(last), true) = (last, out.len() >= 4) {
        let tkl = usize::from(last.first().map_or(0, |b| b & 0x0f)).min(8);
        if last.len() >= 4 + tkl && out[0] & 0x0f == last[0] & 0x0f && out.len() >= 4 + tkl {
            out[2..4 + tkl].copy_from_slice(&last[2..4 + tkl]);
        }
    }
    out
}

/// Bounded: at most this many timer firings after the script, so a core that re-arms a timer
/// in the past forever shows as a slow input, not an endless loop of ours.
const TIMER_ROUNDS: usize = 64;

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
}

/// The cases of the shipped suite (`testcases/`) that load, in file order; loaded once.
pub fn cases() -> &'static [Case] {
    static CASES: OnceLock<Vec<Case>> = OnceLock::new();
    CASES.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases");
        crate::suite::load(&dir)
            .map(|suite| suite.entries.into_iter().filter_map(|e| e.case.ok()).collect())
            .unwrap_or_default()
    })
}

const HARNESS_SERVER: &str = "127.9.9.9:5683";
const HARNESS_BOOTSTRAP: &str = "127.8.8.8:5683";
const HARNESS_SERVER2: &str = "127.9.9.10:5683";
const DUT: &str = "127.7.7.7:5683";
const DUT_CLIENT: &str = "127.7.7.7:40000";

/// The set-up a trial gives a case of `role`, on fixed loopback addresses.
fn trial_setup(role: Role, seed: u64) -> TrialSetup {
    TrialSetup {
        server: addr(HARNESS_SERVER),
        endpoints: vec![
            ("server".into(), addr(HARNESS_SERVER)),
            ("bootstrap".into(), addr(HARNESS_BOOTSTRAP)),
            ("server2".into(), addr(HARNESS_SERVER2)),
        ],
        dut_address: (role != Role::Client).then(|| addr(DUT)),
        triggers: Default::default(),
        endpoint: "urn:dev:fuzz".into(),
        timing: Timing::default(),
        lwm2m_version: Default::default(),
        formats: vec![ContentFormat::TLV, ContentFormat::SENML_JSON, ContentFormat::SENML_CBOR],
        seed,
        stop: "SIGTERM".into(),
        console: Vec::new(),
    }
}

/// The engine as a [`Core`]: a datagram from the DUT's n-th address goes to the harness's
/// n-th endpoint; what it sends comes out, its other actions are dropped.
struct EngineCore {
    engine: Engine,
    routes: [(SocketAddr, SocketAddr); 4],
}

impl Core for EngineCore {
    fn poll_transmit(&mut self) -> Option<(SocketAddr, Vec<u8>)> {
        while let Some(a) = self.engine.poll_action() {
            if let Action::Send { to, bytes, .. } = a {
                return Some((to, bytes));
            }
        }
        None
    }
    fn poll_timeout(&self) -> Option<Duration> {
        self.engine.poll_timeout()
    }
    fn handle_datagram(&mut self, now: Duration, from: SocketAddr, bytes: &[u8]) {
        let to = self
            .routes
            .iter()
            .find(|(f, _)| *f == from)
            .map_or(self.routes[0].1, |r| r.1);
        let bytes = bytes.to_vec();
        self.engine.handle(now, Event::Datagram { from, to, bytes });
    }
    fn handle_timeout(&mut self, now: Duration) {
        self.engine.handle_timeout(now)
    }
}

/// The engine (the harness's endpoint) running a real case (picked by the first byte), fed the
/// script's datagrams as if from the DUT.
pub fn engine(data: &[u8]) {
    let cases = cases();
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Some(case) = cases.get(usize::from(selector) % cases.len().max(1)) else {
        return;
    };
    let setup = trial_setup(case.dut, u64::from(selector));
    let dut = if case.dut == Role::Client {
        addr(DUT_CLIENT)
    } else {
        addr(DUT)
    };
    let other = |port| SocketAddr::new(dut.ip(), port);
    let routes = [
        (dut, setup.server),
        (other(40001), addr(HARNESS_BOOTSTRAP)),
        (other(40002), addr(HARNESS_SERVER2)),
        (other(40003), setup.server),
    ];
    let mut core = EngineCore {
        engine: Engine::new(case.clone(), setup, Duration::ZERO),
        routes,
    };
    drive(&mut core, routes.map(|(from, _)| from), rest);
    let _ = (core.engine.outcome(), core.engine.transcript());
}

/// Feeds the script to `core`, datagrams from one of `peers` (by the control bits).
fn drive(core: &mut impl Core, peers: [SocketAddr; 4], script: &[u8]) {
    let mut now = Duration::ZERO;
    let mut last: Option<Vec<u8>> = None;
    let drain = |core: &mut dyn FnMut() -> Option<(SocketAddr, Vec<u8>)>, last: &mut Option<Vec<u8>>| {
        while let Some((_, bytes)) = core() {
            *last = Some(bytes);
        }
    };
    drain(&mut || core.poll_transmit(), &mut last);
    for step in (Script { data: script }) {
        now += step.advance;
        if step.timers_first && core.poll_timeout().is_some_and(|t| t <= now) {
            core.handle_timeout(now);
        }
        let bytes = if step.answer_last {
            answering(step.bytes, last.as_deref())
        } else {
            step.bytes.to_vec()
        };
        core.handle_datagram(now, peers[step.address], &bytes);
        drain(&mut || core.poll_transmit(), &mut last);
    }
    for _ in 0..TIMER_ROUNDS {
        let Some(t) = core.poll_timeout() else { break };
        now = now.max(t);
        core.handle_timeout(now);
        drain(&mut || core.poll_transmit(), &mut last);
    }
}

/// The reference client (a device with a factory server and a Bootstrap-Server account, LwM2M
/// version by the first byte), fed datagrams from its server and bootstrap server.
pub fn reference_client(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let version = if selector & 1 == 0 {
        Default::default()
    } else {
        crate::reference::client::Version::V1_1
    };
    let cfg = DeviceConfig {
        endpoint: "urn:dev:fuzz".into(),
        server: Some(addr(HARNESS_SERVER)),
        bootstrap: (selector & 2 != 0).then(|| addr(HARNESS_BOOTSTRAP)),
        server_initiated: selector & 4 != 0,
        listen: None,
        lifetime: 300,
        faults: Default::default(),
        version,
        variants: Default::default(),
    };
    let mut device = Device::new(cfg, Duration::ZERO, 1_700_000_000, u64::from(selector));
    let peers = [
        addr(HARNESS_SERVER),
        addr(HARNESS_BOOTSTRAP),
        addr(HARNESS_SERVER),
        addr("127.6.6.6:5683"),
    ];
    drive(&mut device, peers, rest);
}

/// A server's peers: two clients, the first more often.
fn two_clients() -> [SocketAddr; 4] {
    let first = addr(DUT_CLIENT);
    [first, addr("127.7.7.8:40000"), first, first]
}

/// The reference LwM2M Server, fed datagrams from two clients.
pub fn reference_server(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let mut core = ServerCore::new(Default::default(), u64::from(selector));
    drive(&mut core, two_clients(), rest);
}

/// The reference Bootstrap-Server (Server Initiated Bootstrap of one client by the first
/// byte), fed datagrams from two clients.
pub fn reference_bootstrap_server(data: &[u8]) {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let cfg = BootstrapServerConfig {
        listen: addr(HARNESS_BOOTSTRAP),
        server_uri: "coap://127.9.9.9:5683".into(),
        server_initiated: (selector & 1 != 0).then(|| addr(DUT_CLIENT)),
        http: None,
        faults: Default::default(),
        variants: Default::default(),
    };
    let mut core = BootstrapServerCore::new(cfg, Duration::ZERO, u64::from(selector));
    drive(&mut core, two_clients(), rest);
}
