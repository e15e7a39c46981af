//! Nothing a Bootstrap-Server or an LwM2M Server sends may panic the device: garbage, bit
//! flips of valid bootstrap messages, and odd paths, in every phase.

use std::net::SocketAddr;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path};

use super::super::robustness::Noise;
use super::{DeviceRig, bs, s1, secs};

/// Valid bootstrap messages, to be mutated.
fn valid(rig: &mut DeviceRig) -> Vec<Vec<u8>> {
    let sec = super::security_records(1, 1, s1());
    let tlv = super::encode(ContentFormat::TLV, &Path::instance(0, 1), &sec);
    let srv = super::server_records(0, 1, 60);
    let senml = super::encode(ContentFormat::SENML_JSON, &Path::object(1), &srv);
    let mut out = Vec::new();
    for (code, path, cf, payload) in [
        (Code::PUT, "/0/1", Some(ContentFormat::TLV), tlv),
        (Code::PUT, "/1", Some(ContentFormat::SENML_JSON), senml),
        (Code::PUT, "/1/0/1", None, b"120".to_vec()),
        (Code::DELETE, "/", None, vec![]),
        (Code::DELETE, "/0/0", None, vec![]),
        (Code::POST, "/bs", None, vec![]),
        (Code::GET, "/3/0", None, vec![]),
    ] {
        let mut m = rig.request(code, path);
        if let Some(cf) = cf {
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(cf.0));
        }
        m.payload = payload;
        out.push(m.to_bytes().expect("encodes"));
    }
    out
}

#[test]
fn garbage_never_panics() {
    let mut noise = Noise(0x2545_f491_4f6c_dd1d);
    let stranger = SocketAddr::from(([127, 0, 0, 1], 5999));
    for start in 0..3 {
        let mut rig = match start {
            0 => DeviceRig::client_initiated(&[]),
            1 => {
                let mut r = DeviceRig::client_initiated(&[]);
                r.accept_bootstrap_request();
                r
            }
            _ => DeviceRig::server_initiated(&[]),
        };
        let valid = valid(&mut rig);
        for round in 0..10_000u32 {
            let bytes = match round % 4 {
                0 => noise.bytes(48),
                1 | 2 => {
                    let mut b = valid[(noise.next() as usize) % valid.len()].clone();
                    let flips = 1 + noise.next() % 3;
                    for _ in 0..flips {
                        let len = b.len();
                        if len > 0 {
                            let at = (noise.next() as usize) % len;
                            b[at] ^= 1 << (noise.next() % 8);
                        }
                    }
                    b
                }
                _ => valid[(noise.next() as usize) % valid.len()].clone(),
            };
            let from = [bs(), s1(), stranger][(noise.next() % 3) as usize];
            rig.device.handle_datagram(rig.now, from, &bytes);
            while let Some((_, out)) = rig.device.poll_transmit() {
                assert!(Message::parse(&out).is_ok(), "the device sends valid CoAP");
            }
            if round % 500 == 0 {
                rig.advance(secs(7));
            }
        }
    }
}

#[test]
fn odd_paths_get_error_codes() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    for (code, path, want) in [
        (Code::PUT, "/0/1/2/3/4", Code::BAD_REQUEST),
        (Code::PUT, "/x", Code::BAD_REQUEST),
        (Code::PUT, "/", Code::BAD_REQUEST),
        (Code::PUT, "/1/0/0/1", Code::BAD_REQUEST),
        (Code::DELETE, "/65535", Code::BAD_REQUEST),
        (Code::DELETE, "/a/b", Code::BAD_REQUEST),
    ] {
        let mut m = rig.request(code, path);
        m.payload = b"1".to_vec();
        let resp = rig.call(bs(), &m).expect("answered");
        assert_eq!(resp.code, want, "{code} {path}");
    }
    // An unknown critical option on a bootstrap request: 4.02.
    let mut m = rig.request(Code::DELETE, "/1");
    m.add_option(9, vec![1]);
    assert_eq!(rig.call(bs(), &m).map(|r| r.code), Some(Code(0x82)));
    // A Non-confirmable Write gets a Non-confirmable answer.
    let mut m = rig.request(Code::PUT, "/1/0/1");
    m.mtype = MessageType::NonConfirmable;
    m.payload = b"30".to_vec();
    rig.deliver(bs(), &m);
    let resp = rig.expect_one(bs());
    assert_eq!((resp.mtype, resp.code), (MessageType::NonConfirmable, Code::CHANGED));
}
