//! Hostile datagrams at the reference DUTs over loopback (RFC 7252 §3, §4.2, §4.3, §5.4.1): each
//! DUT process gets a few format errors and unrecognized critical options, whose answers are
//! checked (RST for a rejected Confirmable message, 4.02 Bad Option for a Confirmable request
//! with an unknown critical option, nothing for the rest), then thousands of random and mutated
//! datagrams, and then a valid exchange, which must still succeed. Every wait is bounded.

mod reference_dut;

use std::net::{SocketAddr, UdpSocket};
use std::process::Stdio;
use std::time::{Duration, Instant};

use lwm2m_conformance::coap::{Code, Message, MessageType};
use lwm2m_conformance::fuzz::{corpus, mutate};
use reference_dut::Running;

const SPRAY: usize = 3000;
/// Generous: a debug build of the DUT may work through the spray on a loaded machine.
const WAIT: Duration = Duration::from_secs(30);

/// The reference DUT started with `args`, its standard error in the test's.
fn start(args: &[String]) -> Running {
    reference_dut::start(args, Stdio::inherit())
}

/// A loopback address of this test (per process and `n`, in 127.202 and up) with a UDP port free
/// now.
fn free_address(n: u8) -> SocketAddr {
    reference_dut::free_address(202 + n, false)
}

fn socket(n: u8) -> UdpSocket {
    let s = UdpSocket::bind(free_address(n)).expect("a loopback socket");
    s.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
    s
}

/// The next datagram `s` receives from `from` that `wanted` accepts, resending `again` (a
/// Confirmable message, as its retransmission) every second until WAIT runs out.
fn until(s: &UdpSocket, from: SocketAddr, again: Option<&[u8]>, wanted: impl Fn(&Message) -> bool) -> Message {
    let deadline = Instant::now() + WAIT;
    let mut resend = Instant::now() + Duration::from_secs(1);
    let mut buf = vec![0u8; 65_535];
    while Instant::now() < deadline {
        if let (Some(bytes), true) = (again, Instant::now() >= resend) {
            s.send_to(bytes, from).expect("send");
            resend = Instant::now() + Duration::from_secs(1);
        }
        let Ok((n, peer)) = s.recv_from(&mut buf) else { continue };
        if peer != from {
            continue;
        }
        if let Ok(m) = Message::parse(&buf[..n])
            && wanted(&m)
        {
            return m;
        }
    }
    panic!("nothing wanted from {from} within {WAIT:?}");
}

/// Sends `bytes` and waits for the answer under its Message ID.
fn answer_to(s: &UdpSocket, dut: SocketAddr, bytes: &[u8]) -> Message {
    let mid = u16::from_be_bytes([bytes[2], bytes[3]]);
    s.send_to(bytes, dut).expect("send");
    until(s, dut, Some(bytes), |m| m.mid == mid && !m.is_request())
}

/// Waits until the DUT at `dut` answers a CoAP ping (RST), so it is listening.
fn until_listening(s: &UdpSocket, dut: SocketAddr) {
    static NEXT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(0x7000);
    let mid = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let ping = Message::new(MessageType::Confirmable, Code::EMPTY, mid, vec![]);
    let m = answer_to(s, dut, &ping.to_bytes().expect("encodes"));
    assert_eq!(m.mtype, MessageType::Reset);
}

/// Message format errors in Confirmable messages (token length 9, an option delta of 15, a
/// payload marker with no payload): each is answered with RST.
fn format_errors(s: &UdpSocket, dut: SocketAddr) {
    for bytes in [
        &[0x49, 0x01, 0x71, 0x02][..],
        &[0x40, 0x01, 0x71, 0x03, 0xf1, 0x00][..],
        &[0x40, 0x01, 0x71, 0x04, 0xb1, b'3', 0xff][..],
    ] {
        let m = answer_to(s, dut, bytes);
        assert_eq!((m.mtype, m.code), (MessageType::Reset, Code::EMPTY), "{m}");
    }
}

/// An unrecognized critical option in a Confirmable request: 4.02 Bad Option, piggybacked.
fn bad_option(s: &UdpSocket, dut: SocketAddr, path: &str) {
    let mut critical = Message::new(MessageType::Confirmable, Code::GET, 0x7101, vec![1]);
    critical.set_uri(path, &[]);
    critical.add_option(9, vec![1]);
    let m = answer_to(s, dut, &critical.to_bytes().expect("encodes"));
    assert_eq!(
        (m.mtype, m.code),
        (MessageType::Acknowledgement, Code::BAD_OPTION),
        "{m}"
    );
}

/// SPRAY random and mutated datagrams, none under `spare` (the Message ID of the valid exchange
/// to come), then a ping: once it is answered, the DUT has read everything before it.
fn spray(s: &UdpSocket, dut: SocketAddr, spare: u16) {
    let mut rng = mutate::Rng::new(u64::from(std::process::id()));
    let seeds = corpus::for_target("coap");
    for _ in 0..SPRAY {
        let bytes = if rng.chance(2) {
            mutate::mutant(&mut rng, &seeds, 1024)
        } else {
            (0..rng.below(48)).map(|_| rng.byte()).collect()
        };
        // Message IDs of the checks' own exchanges stay unused, so none reads as a duplicate.
        let mid = bytes.get(2..4).map(|b| u16::from_be_bytes([b[0], b[1]]));
        if mid.is_some_and(|m| m == spare || m == 0xbeef || (0x7000..0x7200).contains(&m)) {
            continue;
        }
        let _ = s.send_to(&bytes, dut);
    }
    until_listening(s, dut);
}

fn hostile(s: &UdpSocket, dut: SocketAddr, path: &str, spare: u16) {
    format_errors(s, dut);
    bad_option(s, dut, path);
    spray(s, dut, spare);
}

fn is_alive(dut: &mut Running) -> bool {
    matches!(dut.0.try_wait(), Ok(None))
}

#[test]
fn the_reference_server_survives_hostile_datagrams_and_still_registers() {
    let at = free_address(0);
    let mut dut = start(&["reference-server".into(), "--listen".into(), at.to_string()]);
    let s = socket(1);
    until_listening(&s, at);
    hostile(&s, at, "/rd", 0xbeef);
    let mut reg = Message::new(MessageType::Confirmable, Code::POST, 0xbeef, vec![0xbe, 0xef]);
    reg.set_uri(
        "/rd",
        &[
            ("ep".into(), Some("urn:dev:hostile".into())),
            ("lt".into(), Some("60".into())),
        ],
    );
    reg.payload = b"</1/0>,</3/0>".to_vec();
    let m = answer_to(&s, at, &reg.to_bytes().expect("encodes"));
    assert_eq!((m.code, m.token.as_slice()), (Code::CREATED, &[0xbe, 0xef][..]), "{m}");
    assert!(is_alive(&mut dut));
}

#[test]
fn the_reference_bootstrap_server_survives_hostile_datagrams_and_still_bootstraps() {
    let at = free_address(2);
    let mut dut = start(&[
        "reference-bootstrap-server".into(),
        "--listen".into(),
        at.to_string(),
        "--server-uri".into(),
        "coap://127.0.0.1:5683".into(),
    ]);
    let s = socket(3);
    until_listening(&s, at);
    hostile(&s, at, "/bs", 0xbeef);
    let mut req = Message::new(MessageType::Confirmable, Code::POST, 0xbeef, vec![0xbe, 0xef]);
    req.set_uri("/bs", &[("ep".into(), Some("urn:dev:hostile".into()))]);
    let m = answer_to(&s, at, &req.to_bytes().expect("encodes"));
    assert_eq!((m.code, m.token.as_slice()), (Code::CHANGED, &[0xbe, 0xef][..]), "{m}");
    // The provisioning that follows reaches this client.
    let write = until(&s, at, None, |m| m.is_request());
    assert!(matches!(write.code, Code::PUT | Code::DELETE), "{write}");
    assert!(is_alive(&mut dut));
}

#[test]
fn the_reference_client_survives_hostile_datagrams_and_still_registers_and_answers() {
    let s = socket(4);
    let server = s.local_addr().expect("address");
    let mut dut = start(&[
        "reference-client".into(),
        "--server".into(),
        server.to_string(),
        "--endpoint".into(),
        "urn:dev:hostile".into(),
    ]);
    // The client registers first; until that is acknowledged it ignores DM requests, so the
    // spray (from its server's address, which is the only one it listens to) runs against its
    // message layer and registration state.
    let deadline = Instant::now() + WAIT;
    let mut buf = vec![0u8; 65_535];
    let (client, register) = loop {
        assert!(Instant::now() < deadline, "no Register within {WAIT:?}");
        let Ok((n, from)) = s.recv_from(&mut buf) else { continue };
        if let Ok(m) = Message::parse(&buf[..n])
            && m.code == Code::POST
        {
            break (from, m);
        }
    };
    format_errors(&s, client);
    spray(&s, client, register.mid);
    let mut created = Message::new(
        MessageType::Acknowledgement,
        Code::CREATED,
        register.mid,
        register.token.clone(),
    );
    created.set_location_path("/rd/h");
    s.send_to(&created.to_bytes().expect("encodes"), client).expect("send");
    bad_option(&s, client, "/3/0/0");
    let mut read = Message::new(MessageType::Confirmable, Code::GET, 0xbeef, vec![0xbe, 0xef]);
    read.set_uri("/3/0/0", &[]);
    let m = answer_to(&s, client, &read.to_bytes().expect("encodes"));
    assert_eq!((m.code, m.token.as_slice()), (Code::CONTENT, &[0xbe, 0xef][..]), "{m}");
    assert!(is_alive(&mut dut));
}
