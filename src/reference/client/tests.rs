//! Tests of the reference client. The sans-IO core runs against a scripted LwM2M Server on a
//! manual clock ([`Rig`]); `e2e` runs the tokio driver against a real UDP socket.
//!
//! Snapshots live in `src/reference/client/snapshots/` and show messages without Message IDs
//! or tokens (see [`lines`]), so they stay stable.

mod bootstrap;
mod discover;
mod dm;
mod dm_ir_faults;
mod e2e;
mod faults;
mod lwm2m_1_1;
mod observe;
mod registration;
mod robustness;
mod variants;

use std::collections::{BTreeSet, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::{hex, option};
use crate::coap::{Code, Message, MessageType};

use super::{ClientConfig, ClientCore, Fault};

/// Stores a YAML snapshot under `src/reference/client/snapshots/` from a file in `tests/`.
macro_rules! client_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots" }, {
            insta::assert_yaml_snapshot!($name, $value);
        })
    };
}
pub(crate) use client_snapshot;

pub(crate) const UNIX_AT_EPOCH: i64 = 1_700_000_000;
pub(crate) const SEED: u64 = 0x5eed_0000_1234_abcd;
pub(crate) const LIFETIME: u32 = 300;

pub(crate) fn server() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5683))
}

pub(crate) fn config(faults: &[Fault]) -> ClientConfig {
    ClientConfig {
        server: server(),
        endpoint: "urn:dev:ref-1".into(),
        lifetime: LIFETIME,
        faults: faults.iter().copied().collect::<BTreeSet<_>>(),
        version: Default::default(),
        variants: Default::default(),
    }
}

/// A message as transcript lines without Message ID or token: type and code (with the URI of
/// a request), then each option, then the payload (text when printable, else hex).
pub(crate) fn lines(m: &Message) -> Vec<String> {
    let mut first = format!("{} {}", m.mtype.short(), m.code);
    if m.is_request() {
        first.push(' ');
        first.push_str(&m.uri_path());
        let q: Vec<String> = m
            .uri_query()
            .into_iter()
            .map(|(k, v)| v.map_or(k.clone(), |v| format!("{k}={v}")))
            .collect();
        if !q.is_empty() {
            first.push('?');
            first.push_str(&q.join("&"));
        }
    }
    let mut out = vec![first];
    for (n, v) in &m.options {
        let shown = match *n {
            option::OBSERVE => "Observe: <seq>".to_string(),
            option::LOCATION_PATH => format!("Location-Path: {}", String::from_utf8_lossy(v)),
            option::CONTENT_FORMAT => {
                format!("Content-Format: {}", crate::coap::message::decode_uint(v))
            }
            option::ACCEPT => format!("Accept: {}", crate::coap::message::decode_uint(v)),
            option::URI_PATH | option::URI_QUERY => continue,
            other => format!("option {other}: {}", hex(v)),
        };
        out.push(shown);
    }
    if !m.payload.is_empty() {
        match std::str::from_utf8(&m.payload) {
            Ok(s) if !s.chars().any(char::is_control) => out.push(format!("payload: {s}")),
            _ => out.push(format!("payload (hex): {}", hex(&m.payload))),
        }
    }
    out
}

/// The client core with a scripted LwM2M Server and a manual clock.
pub(crate) struct Rig {
    pub(crate) core: ClientCore,
    pub(crate) now: Duration,
    /// Datagrams already taken from the core but not yet looked at by the test.
    backlog: VecDeque<Message>,
    next_mid: u16,
    next_token: u8,
}

impl Rig {
    pub(crate) fn new(faults: &[Fault]) -> Rig {
        Rig::with_config(config(faults))
    }

    pub(crate) fn with_config(cfg: ClientConfig) -> Rig {
        Rig {
            core: ClientCore::new(cfg, Duration::ZERO, UNIX_AT_EPOCH, SEED),
            now: Duration::ZERO,
            backlog: VecDeque::new(),
            next_mid: 0x7000,
            next_token: 0,
        }
    }

    /// A client that has registered (Register answered 2.01 with /rd/x).
    pub(crate) fn registered() -> Rig {
        let mut rig = Rig::new(&[]);
        let reg = rig.expect_one();
        rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/x"));
        assert!(rig.core.is_registered());
        assert_eq!(rig.sent(), vec![], "nothing follows the 2.01");
        rig
    }

    /// Everything the client has sent since the last call, decoded.
    pub(crate) fn sent(&mut self) -> Vec<Message> {
        let mut out: Vec<Message> = self.backlog.drain(..).collect();
        while let Some((to, bytes)) = self.core.poll_transmit() {
            assert_eq!(to, server(), "the client only talks to its server");
            out.push(Message::parse(&bytes).expect("the client sends valid CoAP"));
        }
        out
    }

    pub(crate) fn expect_one(&mut self) -> Message {
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "expected exactly one datagram, got {sent:#?}");
        sent.remove(0)
    }

    pub(crate) fn deliver(&mut self, m: &Message) {
        let bytes = m.to_bytes().expect("test messages encode");
        self.core.handle_datagram(self.now, server(), &bytes);
    }

    /// Moves the clock to `now + d`, firing every timer due on the way.
    pub(crate) fn advance(&mut self, d: Duration) {
        self.now = crate::reference::udp::advance(&mut self.core, self.now, d);
    }

    /// Piggybacked answer to a Confirmable request from the client.
    pub(crate) fn answer(&mut self, req: &Message, code: Code, f: impl FnOnce(&mut Message)) {
        let mut resp = Message::new(MessageType::Acknowledgement, code, req.mid, req.token.clone());
        f(&mut resp);
        self.deliver(&resp);
    }

    /// A request from the server, with a fresh Message ID and token.
    pub(crate) fn request(&mut self, mtype: MessageType, code: Code, path: &str) -> Message {
        self.next_mid = self.next_mid.wrapping_add(1);
        self.next_token = self.next_token.wrapping_add(1);
        let mut m = Message::new(mtype, code, self.next_mid, vec![0xa0, self.next_token]);
        m.set_uri(path, &[]);
        m
    }

    /// Sends a Confirmable request built by `f` and returns its piggybacked response; anything
    /// else the client sent meanwhile (an Update, a Register) stays for `sent`.
    pub(crate) fn call(&mut self, code: Code, path: &str, f: impl FnOnce(&mut Message)) -> Message {
        let mut req = self.request(MessageType::Confirmable, code, path);
        f(&mut req);
        self.deliver(&req);
        let mut sent = self.sent();
        let at = sent
            .iter()
            .position(|m| m.mtype == MessageType::Acknowledgement && m.mid == req.mid);
        let resp = sent.remove(at.unwrap_or_else(|| panic!("no response to {req}: {sent:#?}")));
        assert_eq!(resp.token, req.token, "piggybacked response");
        self.backlog.extend(sent);
        resp
    }

    pub(crate) fn get(&mut self, path: &str, accept: Option<u16>) -> Message {
        self.call(Code::GET, path, |m| {
            if let Some(a) = accept {
                m.add_uint_option(option::ACCEPT, u32::from(a));
            }
        })
    }
}

/// Content-Format of a response as a number (panics in the test when absent).
pub(crate) fn cf(m: &Message) -> u16 {
    m.content_format().expect("response has a Content-Format")
}

pub(crate) fn text(m: &Message) -> String {
    String::from_utf8_lossy(&m.payload).into_owned()
}

/// A complete Server Object Instance /1/{i} in SenML JSON, for Create.
pub(crate) fn server_instance_senml(i: u16) -> Vec<u8> {
    let rest = r#"{"n":"1","v":90},{"n":"6","vb":false},{"n":"7","vs":"U"}"#;
    format!(r#"[{{"bn":"/1/{i}/","n":"0","v":3}},{rest}]"#).into_bytes()
}
