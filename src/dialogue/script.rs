//! Test support: synthetic exchanges, frame by frame, with deterministic Message IDs, tokens and
//! times, for the dialogue, capture and analysis tests.

use std::net::SocketAddr;
use std::time::Duration;

use super::Datagram;
use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

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
