//! Nothing the network sends may panic the client: garbage, truncations, bit flips, odd
//! options and datagrams from strangers.

use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

use super::{Rig, server};

/// xorshift64, so the inputs are the same on every run.
pub(super) struct Noise(pub(super) u64);

impl Noise {
    pub(super) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub(super) fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() as usize) % (max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

fn valid_requests(rig: &mut Rig) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for (code, path, cf, payload) in [
        (Code::GET, "/3/0", None, &b""[..]),
        (Code::PUT, "/1/0/1", Some(0), &b"120"[..]),
        (Code::POST, "/1", Some(11542), &[0x08, 0x05, 0x03, 0xc1, 0x00, 0x02][..]),
        (Code::PUT, "/1/0", Some(110), &br#"[{"n":"/1/0/1","v":9}]"#[..]),
        (Code::PUT, "/1/0", Some(112), &[0x81, 0xa2, 0x00, 0x66][..]),
        (Code::GET, "/3/0/13", None, &b""[..]),
    ] {
        let mut m = rig.request(MessageType::Confirmable, code, path);
        if let Some(cf) = cf {
            m.add_uint_option(option::CONTENT_FORMAT, cf);
        }
        if path == "/3/0/13" {
            m.add_uint_option(option::OBSERVE, 0);
        }
        m.payload = payload.to_vec();
        out.push(m.to_bytes().expect("encodes"));
    }
    out
}

#[test]
fn garbage_does_not_panic() {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    for registered in [false, true] {
        let mut rig = if registered { Rig::registered() } else { Rig::new(&[]) };
        let valid = valid_requests(&mut rig);
        for round in 0..20_000u32 {
            let bytes = match round % 4 {
                0 => noise.bytes(64),
                // A CoAP-looking header with random everything after it.
                1 => {
                    let mut b = noise.bytes(40);
                    b.insert(0, 0x40 | (noise.next() as u8 & 0x3f));
                    b
                }
                2 => {
                    let v = &valid[(noise.next() as usize) % valid.len()];
                    let mut b = v.clone();
                    let flips = 1 + noise.next() % 3;
                    for _ in 0..flips {
                        let at = (noise.next() as usize) % b.len();
                        b[at] ^= 1 << (noise.next() % 8);
                    }
                    b
                }
                _ => {
                    let v = &valid[(noise.next() as usize) % valid.len()];
                    v[..(noise.next() as usize) % v.len()].to_vec()
                }
            };
            rig.core.handle_datagram(rig.now, server(), &bytes);
            while let Some((to, out)) = rig.core.poll_transmit() {
                assert_eq!(to, server());
                assert!(Message::parse(&out).is_ok(), "the client only sends valid CoAP");
            }
            if round % 1000 == 0 {
                rig.advance(Duration::from_millis(700));
            }
        }
    }
}

#[test]
fn malformed_confirmable_is_reset_and_strangers_are_ignored() {
    let mut rig = Rig::registered();
    // Version 1, CON, token length 9 (reserved): not parseable, but its Message ID is known.
    rig.core.handle_datagram(rig.now, server(), &[0x49, 0x01, 0x12, 0x34]);
    let rst = rig.expect_one();
    assert_eq!(
        (rst.mtype, rst.mid, rst.code),
        (MessageType::Reset, 0x1234, Code::EMPTY)
    );
    // A CoAP ping is answered with RST too.
    rig.deliver(&Message::new(MessageType::Confirmable, Code::EMPTY, 0x2222, vec![]));
    assert_eq!(rig.expect_one().mtype, MessageType::Reset);
    // Another address is not the LwM2M Server.
    let req = rig.request(MessageType::Confirmable, Code::GET, "/3/0/0");
    let stranger: SocketAddr = "127.0.0.1:40000".parse().expect("literal");
    rig.core
        .handle_datagram(rig.now, stranger, &req.to_bytes().expect("encodes"));
    assert_eq!(rig.sent(), vec![]);
}
