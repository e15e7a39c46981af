//! Test support: synthetic exchanges, frame by frame, with deterministic Message IDs, tokens and
//! times, for the dialogue, capture and analysis tests.

use std::net::SocketAddr;
use std::time::Duration;

use super::Datagram;
use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{self, ContentFormat, Path, Record, Value};

pub const CLIENT: &str = "127.0.0.2:40001";
pub const SERVER: &str = "127.0.0.1:5683";
pub const BOOTSTRAP: &str = "127.0.0.1:5783";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().expect("test address")
}

/// A Confirmable request; `query` items are `k=v` or `k`.
pub fn request(code: Code, path: &str, query: &[&str]) -> Message {
    let mut m = Message::new(MessageType::Confirmable, code, 0, Vec::new());
    let q: Vec<(String, Option<String>)> = query
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (s.to_string(), None),
        })
        .collect();
    m.set_uri(path, &q);
    m
}

pub fn with_payload(mut m: Message, cf: u16, payload: &[u8]) -> Message {
    m.add_uint_option(option::CONTENT_FORMAT, u32::from(cf));
    m.payload = payload.to_vec();
    m
}

pub fn with_observe(mut m: Message, value: u32) -> Message {
    m.add_uint_option(option::OBSERVE, value);
    m
}

#[derive(Default)]
pub struct Script {
    datagrams: Vec<Datagram>,
    now: Duration,
    next_mid: u16,
    next_token: u8,
}

impl Script {
    pub fn wait(&mut self, secs: f64) -> &mut Self {
        self.now += Duration::from_secs_f64(secs);
        self
    }

    /// Sends `m` (a Message ID and token are assigned when it has none) and returns it as sent.
    pub fn send(&mut self, from: &str, to: &str, mut m: Message) -> Message {
        if m.mid == 0 {
            self.next_mid += 1;
            m.mid = 0x100 + self.next_mid;
        }
        if m.token.is_empty() && !m.is_empty() && m.mtype != MessageType::Acknowledgement {
            self.next_token += 1;
            m.token = vec![0xa0, self.next_token];
        }
        self.raw(from, to, m.to_bytes().expect("encodes"));
        m
    }

    /// The same bytes again (a CoAP retransmission).
    pub fn resend(&mut self, from: &str, to: &str, m: &Message) {
        self.raw(from, to, m.to_bytes().expect("encodes"));
    }

    pub fn raw(&mut self, from: &str, to: &str, bytes: Vec<u8>) {
        self.now += Duration::from_millis(10);
        let frame = self.datagrams.len() as u32 + 1;
        self.datagrams.push(Datagram {
            frame,
            at: self.now,
            from: addr(from),
            to: addr(to),
            bytes,
        });
    }

    /// A piggybacked response to `req` (sent `to` -> `from` of the request).
    pub fn answer(&mut self, req: &Message, from: &str, to: &str, code: Code) -> Message {
        self.send(from, to, piggybacked(req, code))
    }

    pub fn datagrams(&self) -> Vec<Datagram> {
        self.datagrams.clone()
    }

    /// Register from CLIENT to SERVER with these query items, answered 2.01 at `location`.
    pub fn register(&mut self, query: &[&str], location: &str) -> Message {
        let reg = self.send(
            CLIENT,
            SERVER,
            with_payload(request(Code::POST, "/rd", query), 40, b"</1/0>,</3/0>"),
        );
        let mut ack = piggybacked(&reg, Code::CREATED);
        ack.set_location_path(location);
        self.send(SERVER, CLIENT, ack);
        reg
    }
}

pub fn piggybacked(req: &Message, code: Code) -> Message {
    Message::new(MessageType::Acknowledgement, code, req.mid, req.token.clone())
}

/// A TLV payload of whole Server Object Instance /1/0 (or only its Resource 6 when `partial`).
pub fn server_instance(partial: bool) -> Vec<u8> {
    let r = |res, v| Record::new(Path::resource(1, 0, res), v);
    let mut records = vec![r(6, Value::Boolean(true))];
    if !partial {
        records.extend([
            r(0, Value::Integer(1)),
            r(1, Value::Integer(300)),
            r(7, Value::String("UQ".into())),
        ]);
    }
    lwm2m::encode(ContentFormat::TLV, &Path::object(1), &records).expect("encodes")
}

pub fn notification(obs: &Message, seq: u32, payload: &[u8]) -> Message {
    let m = Message::new(MessageType::NonConfirmable, Code::CONTENT, 0, obs.token.clone());
    with_payload(with_observe(m, seq), ContentFormat::TLV.0, payload)
}

/// Observe /1, answered with the whole instance /1/0; returns the Observe.
pub fn observe_server_object(s: &mut Script) -> Message {
    let obs = s.send(SERVER, CLIENT, with_observe(request(Code::GET, "/1", &[]), 0));
    let first = with_observe(piggybacked(&obs, Code::CONTENT), 1);
    s.send(
        CLIENT,
        SERVER,
        with_payload(first, ContentFormat::TLV.0, &server_instance(false)),
    );
    obs
}

pub fn bootstrap(s: &mut Script, finish: Message) {
    let req = s.send(CLIENT, BOOTSTRAP, request(Code::POST, "/bs", &["ep=dev1"]));
    s.answer(&req, BOOTSTRAP, CLIENT, Code::CHANGED);
    let del = s.send(BOOTSTRAP, CLIENT, request(Code::DELETE, "/", &[]));
    s.answer(&del, CLIENT, BOOTSTRAP, Code::DELETED);
    let account = [
        Record::new(Path::resource(1, 0, 0), Value::Integer(1)),
        Record::new(Path::resource(1, 0, 1), Value::Integer(300)),
    ];
    let tlv = lwm2m::encode(ContentFormat::TLV, &Path::instance(1, 0), &account).expect("encodes");
    let w = s.send(
        BOOTSTRAP,
        CLIENT,
        with_payload(request(Code::PUT, "/1/0", &[]), ContentFormat::TLV.0, &tlv),
    );
    s.answer(&w, CLIENT, BOOTSTRAP, Code::CHANGED);
    let fin = s.send(BOOTSTRAP, CLIENT, finish);
    s.answer(&fin, CLIENT, BOOTSTRAP, Code::CHANGED);
}

/// A client registered at `location` (ep=dev1, binding U).
pub fn registered(location: &str) -> Script {
    let mut s = Script::default();
    s.register(&["ep=dev1"], location);
    s
}

pub fn exchange(s: &mut Script, from: &str, to: &str, req: Message, code: Code) -> Message {
    let req = s.send(from, to, req);
    s.answer(&req, to, from, code);
    req
}

/// Bootstrap, a Queue Mode registration, DM and IR operations, an Update after a long sleep and
/// the requests it releases, De-register: every side conformant.
pub fn conformant_session() -> Script {
    let mut s = Script::default();
    bootstrap(&mut s, request(Code::POST, "/bs", &[]));
    s.register(&["ep=dev1", "lt=300", "b=UQ"], "/rd/5a3f");
    exchange(&mut s, SERVER, CLIENT, request(Code::GET, "/3/0", &[]), Code::CONTENT);
    let wa = request(Code::PUT, "/1", &["pmin=1", "pmax=5"]);
    exchange(&mut s, SERVER, CLIENT, wa, Code::CHANGED);
    let obs = observe_server_object(&mut s);
    s.wait(2.0);
    s.send(CLIENT, SERVER, notification(&obs, 2, &server_instance(false)));
    let mut cancel = with_observe(request(Code::GET, "/1", &[]), 1);
    cancel.token = obs.token.clone();
    exchange(&mut s, SERVER, CLIENT, cancel, Code::CONTENT);
    let r = request(Code::DELETE, "/1/1", &[]);
    exchange(&mut s, SERVER, CLIENT, r, Code::DELETED);
    s.wait(200.0);
    let r = request(Code::POST, "/rd/5a3f", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::CHANGED);
    observe(&mut s, "/3/0/9", b"80");
    // The client registers anew; the server observes again what it observed.
    s.register(&["ep=dev1", "lt=300", "b=UQ"], "/rd/77aa");
    observe(&mut s, "/3/0/9", b"79");
    let r = request(Code::DELETE, "/rd/77aa", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::DELETED);
    s
}

/// Observe `path` (server to client), answered 2.05 with a plain-text value; returns the Observe.
pub fn observe(s: &mut Script, path: &str, value: &[u8]) -> Message {
    let obs = s.send(SERVER, CLIENT, with_observe(request(Code::GET, path, &[]), 0));
    let first = with_observe(piggybacked(&obs, Code::CONTENT), 1);
    s.send(CLIENT, SERVER, with_payload(first, ContentFormat::TEXT.0, value));
    obs
}
