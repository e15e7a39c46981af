//! Tests of bootstrap: the sans-IO [`Device`] against a scripted Bootstrap-Server and LwM2M
//! Servers on a manual clock ([`DeviceRig`]), and the tokio driver end to end (`e2e`).

mod client_initiated;
mod e2e;
mod faults;
mod robustness;
mod server_initiated;
mod trigger;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::super::{Device, DeviceConfig, Fault};
use super::{LIFETIME, SEED, UNIX_AT_EPOCH, lines};

/// Stores a YAML snapshot under `src/reference/client/snapshots/`.
macro_rules! bootstrap_snapshot {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../../snapshots" }, {
            insta::assert_yaml_snapshot!($name, $value);
        })
    };
}
pub(crate) use bootstrap_snapshot;

pub(crate) const ENDPOINT: &str = "urn:dev:ref-1";

pub(crate) fn bs() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5690))
}

pub(crate) fn s1() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5701))
}

pub(crate) fn s2() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 5702))
}

/// Short names for the peers in transcripts.
pub(crate) fn peer_name(a: SocketAddr) -> String {
    match a {
        a if a == bs() => "BS".into(),
        a if a == s1() => "S1".into(),
        a if a == s2() => "S2".into(),
        other => other.to_string(),
    }
}

pub(crate) fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// The Security instance of an LwM2M Server account (NoSec, Short Server ID `ssid`) as records.
pub(crate) fn security_records(i: u16, ssid: i64, server: SocketAddr) -> Vec<Record> {
    let r = |id, v| Record::new(Path::resource(0, i, id), v);
    vec![
        r(0, Value::String(format!("coap://{server}"))),
        r(1, Value::Boolean(false)),
        r(2, Value::Integer(3)),
        r(3, Value::Opaque(Vec::new())),
        r(4, Value::Opaque(Vec::new())),
        r(5, Value::Opaque(Vec::new())),
        r(10, Value::Integer(ssid)),
    ]
}

/// A Server instance with Short Server ID `ssid` and Lifetime `lifetime`, as records.
pub(crate) fn server_records(i: u16, ssid: i64, lifetime: i64) -> Vec<Record> {
    let r = |id, v| Record::new(Path::resource(1, i, id), v);
    vec![
        r(0, Value::Integer(ssid)),
        r(1, Value::Integer(lifetime)),
        r(6, Value::Boolean(false)),
        r(7, Value::String("U".into())),
    ]
}

pub(crate) fn encode(format: ContentFormat, base: &Path, records: &[Record]) -> Vec<u8> {
    crate::lwm2m::encode(format, base, records).expect("test records encode")
}

/// The device with a scripted Bootstrap-Server and LwM2M Servers and a manual clock.
pub(crate) struct DeviceRig {
    pub(crate) device: Device,
    pub(crate) now: Duration,
    backlog: VecDeque<(SocketAddr, Message)>,
    next_mid: u16,
    next_token: u8,
}

impl DeviceRig {
    pub(crate) fn new(cfg: DeviceConfig) -> DeviceRig {
        assert_eq!(cfg.validate(), Ok(()));
        DeviceRig {
            device: Device::new(cfg, Duration::ZERO, UNIX_AT_EPOCH, SEED),
            now: Duration::ZERO,
            backlog: VecDeque::new(),
            next_mid: 0x7000,
            next_token: 0,
        }
    }

    pub(crate) fn config(faults: &[Fault]) -> DeviceConfig {
        DeviceConfig {
            endpoint: ENDPOINT.into(),
            server: None,
            bootstrap: Some(bs()),
            server_initiated: false,
            listen: None,
            lifetime: LIFETIME,
            faults: faults.iter().copied().collect(),
            version: Default::default(),
            variants: Default::default(),
        }
    }

    /// `--bootstrap BS`: Client Initiated Bootstrap.
    pub(crate) fn client_initiated(faults: &[Fault]) -> DeviceRig {
        DeviceRig::new(DeviceRig::config(faults))
    }

    /// `--server S1 --bootstrap BS --server-initiated`, registered with S1 at /rd/old.
    pub(crate) fn server_initiated(faults: &[Fault]) -> DeviceRig {
        let mut rig = DeviceRig::new(DeviceConfig {
            server: Some(s1()),
            server_initiated: true,
            ..DeviceRig::config(faults)
        });
        let reg = rig.expect_one(s1());
        assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
        rig.answer(s1(), &reg, Code::CREATED, |r| r.set_location_path("/rd/old"));
        assert_eq!(rig.sent(), vec![], "nothing follows the 2.01");
        rig
    }

    /// Everything the device has sent since the last call, with its destination.
    pub(crate) fn sent(&mut self) -> Vec<(SocketAddr, Message)> {
        let mut out: Vec<_> = self.backlog.drain(..).collect();
        while let Some((to, bytes)) = self.device.poll_transmit() {
            out.push((to, Message::parse(&bytes).expect("the client sends valid CoAP")));
        }
        out
    }

    /// What was sent, as transcript lines ("S1: CON POST /rd?...").
    pub(crate) fn transcript(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        for (to, m) in self.sent() {
            let name = peer_name(to);
            out.extend(lines(&m).into_iter().map(|l| format!("{name}: {l}")));
        }
        out
    }

    /// The one datagram sent, which must go to `to`.
    pub(crate) fn expect_one(&mut self, to: SocketAddr) -> Message {
        let mut sent = self.sent();
        assert_eq!(sent.len(), 1, "expected exactly one datagram, got {sent:#?}");
        let (dest, m) = sent.remove(0);
        assert_eq!(dest, to, "sent to the wrong peer: {m}");
        m
    }

    pub(crate) fn deliver(&mut self, from: SocketAddr, m: &Message) {
        let bytes = m.to_bytes().expect("test messages encode");
        self.device.handle_datagram(self.now, from, &bytes);
    }

    /// Moves the clock to `now + d`, firing every timer due on the way.
    pub(crate) fn advance(&mut self, d: Duration) {
        self.now = crate::reference::udp::advance(&mut self.device, self.now, d);
    }

    /// Piggybacked answer from `from` to a Confirmable request of the device.
    pub(crate) fn answer(&mut self, from: SocketAddr, req: &Message, code: Code, f: impl FnOnce(&mut Message)) {
        // An Empty ACK carries no token (RFC 7252 §4.1: anything after the Message ID is a
        // message format error).
        let token = if code == Code::EMPTY {
            Vec::new()
        } else {
            req.token.clone()
        };
        let mut resp = Message::new(MessageType::Acknowledgement, code, req.mid, token);
        f(&mut resp);
        self.deliver(from, &resp);
    }

    /// A Confirmable request with a fresh Message ID and token.
    pub(crate) fn request(&mut self, code: Code, path: &str) -> Message {
        self.next_mid = self.next_mid.wrapping_add(1);
        self.next_token = self.next_token.wrapping_add(1);
        let mut m = Message::new(
            MessageType::Confirmable,
            code,
            self.next_mid,
            vec![0xb0, self.next_token],
        );
        m.set_uri(path, &[]);
        m
    }

    /// Delivers `req` from `from` and returns the piggybacked response, if any; anything else
    /// sent meanwhile stays for `sent`.
    pub(crate) fn call(&mut self, from: SocketAddr, req: &Message) -> Option<Message> {
        self.deliver(from, req);
        let mut sent = self.sent();
        let at = sent
            .iter()
            .position(|(to, m)| *to == from && m.mtype == MessageType::Acknowledgement && m.mid == req.mid);
        let resp = at.map(|i| sent.remove(i).1);
        if let Some(r) = &resp {
            assert_eq!(r.token, req.token, "piggybacked response");
        }
        self.backlog.extend(sent);
        resp
    }

    fn code_of(&mut self, req: &Message) -> Code {
        let resp = self.call(bs(), req).unwrap_or_else(|| panic!("no answer to {req}"));
        resp.code
    }

    /// Bootstrap Write (PUT) of `records` to `path` in `format`; returns the response code.
    pub(crate) fn bs_write(&mut self, path: &str, format: ContentFormat, records: &[Record]) -> Code {
        let mut req = self.request(Code::PUT, path);
        let base = Path::from_segments(&path.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>())
            .expect("test paths are LwM2M paths");
        req.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
        req.payload = encode(format, &base, records);
        self.code_of(&req)
    }

    pub(crate) fn bs_delete(&mut self, path: &str) -> Code {
        let req = self.request(Code::DELETE, path);
        self.code_of(&req)
    }

    /// Bootstrap-Finish: POST /bs, empty.
    pub(crate) fn bs_finish(&mut self) -> Code {
        let req = self.request(Code::POST, "/bs");
        self.code_of(&req)
    }

    /// Takes the Bootstrap-Request and answers it 2.04.
    pub(crate) fn accept_bootstrap_request(&mut self) -> Message {
        let req = self.expect_one(bs());
        assert_eq!(
            (req.mtype, req.code, req.uri_path()),
            (MessageType::Confirmable, Code::POST, "/bs".to_string())
        );
        self.answer(bs(), &req, Code::CHANGED, |_| {});
        req
    }

    /// Writes the account of server `ssid` at `addr` into Security /0/{ssid} and Server
    /// /1/{ssid - 1}: TLV for Security, SenML JSON for Server.
    pub(crate) fn provision(&mut self, ssid: u16, addr: SocketAddr, lifetime: i64) {
        let (si, i) = (ssid, ssid - 1);
        let sec = security_records(si, i64::from(ssid), addr);
        assert_eq!(
            self.bs_write(&format!("/0/{si}"), ContentFormat::TLV, &sec),
            Code::CHANGED
        );
        let srv = server_records(i, i64::from(ssid), lifetime);
        assert_eq!(
            self.bs_write(&format!("/1/{i}"), ContentFormat::SENML_JSON, &srv),
            Code::CHANGED
        );
    }

    /// Answers every Register and Update in `msgs` as a server would (2.01 with
    /// /rd/{peer name}, or 2.04).
    pub(crate) fn answer_registrations(&mut self, msgs: &[(SocketAddr, Message)]) {
        for (to, m) in msgs.iter().filter(|(_, m)| m.mtype == MessageType::Confirmable) {
            if m.uri_path() == "/rd" {
                let location = format!("/rd/{}", peer_name(*to).to_lowercase());
                self.answer(*to, m, Code::CREATED, |r| r.set_location_path(&location));
            } else {
                self.answer(*to, m, Code::CHANGED, |_| {});
            }
        }
    }
}
