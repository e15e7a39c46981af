//! The server core on a manual clock, no sockets: a scripted client sends datagrams in and the
//! test reads what comes out.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use super::{Fault, ServerCore};
use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

const EP: &str = "urn:dev:test";

fn client() -> SocketAddr {
    "127.0.0.1:40001".parse().expect("literal")
}

fn core(faults: &[Fault]) -> ServerCore {
    ServerCore::new(faults.iter().copied().collect::<BTreeSet<_>>(), 0x1234_5678_9abc)
}

/// Every datagram the core wants to send, decoded.
fn out(core: &mut ServerCore) -> Vec<(SocketAddr, Message)> {
    std::iter::from_fn(|| core.poll_transmit())
        .map(|(to, b)| (to, Message::parse(&b).expect("the core sends CoAP")))
        .collect()
}

fn request(code: Code, mid: u16, path: &str, query: &[(&str, &str)]) -> Message {
    let mut m = Message::new(MessageType::Confirmable, code, mid, vec![mid as u8]);
    let q: Vec<(String, Option<String>)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
    m.set_uri(path, &q);
    m
}

fn feed(core: &mut ServerCore, now: u64, from: SocketAddr, m: &Message) -> Vec<(SocketAddr, Message)> {
    core.handle_datagram(Duration::from_secs(now), from, &m.to_bytes().expect("encodes"));
    out(core)
}

fn register(core: &mut ServerCore, now: u64, mid: u16, b: &str) -> (String, Vec<(SocketAddr, Message)>) {
    let mut m = request(Code::POST, mid, "/rd", &[("ep", EP), ("lt", "60"), ("b", b)]);
    m.payload = b"</1/0>,</3/0>".to_vec();
    let sent = feed(core, now, client(), &m);
    let ack = sent
        .iter()
        .find(|(_, s)| s.mid == mid)
        .expect("the Register is answered");
    assert_eq!(ack.1.code, Code::CREATED);
    (ack.1.location_path().expect("a location"), sent)
}

fn trigger(core: &mut ServerCore, now: u64, line: &str) -> Vec<(SocketAddr, Message)> {
    core.handle_command(Duration::from_secs(now), line);
    out(core)
}

#[test]
fn register_update_deregister() {
    let mut c = core(&[]);
    let (location, _) = register(&mut c, 0, 1, "U");
    assert!(location.starts_with("/rd/"), "{location}");
    let upd = feed(&mut c, 1, client(), &request(Code::POST, 2, &location, &[]));
    assert_eq!(upd[0].1.code, Code::CHANGED);
    let del = feed(&mut c, 2, client(), &request(Code::DELETE, 3, &location, &[]));
    assert_eq!(del[0].1.code, Code::DELETED);
    let stale = feed(&mut c, 3, client(), &request(Code::POST, 4, &location, &[]));
    assert_eq!(stale[0].1.code, Code::NOT_FOUND);
}

#[test]
fn a_read_triggered_before_the_register_follows_its_ack() {
    let mut c = core(&[]);
    assert!(trigger(&mut c, 0, &format!("read {EP} /3/0/0")).is_empty(), "held");
    let (_, sent) = register(&mut c, 1, 1, "U");
    let codes: Vec<Code> = sent.iter().map(|(_, m)| m.code).collect();
    assert_eq!(codes, [Code::CREATED, Code::GET], "2.01 first, then the Read");
    assert_eq!(sent[1].0, client(), "to the Register's source address");
    assert_eq!(sent[1].1.uri_path(), "/3/0/0");
}

#[test]
fn the_fault_sends_the_read_before_the_ack() {
    let mut c = core(&[Fault::DmReadBeforeRegisterAck]);
    trigger(&mut c, 0, &format!("read {EP} /3/0/0"));
    let (_, sent) = register(&mut c, 1, 1, "U");
    let codes: Vec<Code> = sent.iter().map(|(_, m)| m.code).collect();
    assert_eq!(codes, [Code::GET, Code::CREATED]);
}

#[test]
fn queue_mode_holds_requests_until_the_next_update() {
    let mut c = core(&[]);
    let (location, _) = register(&mut c, 0, 1, "UQ");
    assert!(
        trigger(&mut c, 5, &format!("read {EP} /3/0/0")).is_empty(),
        "client offline"
    );
    let sent = feed(&mut c, 9, client(), &request(Code::POST, 2, &location, &[]));
    let codes: Vec<Code> = sent.iter().map(|(_, m)| m.code).collect();
    assert_eq!(codes, [Code::CHANGED, Code::GET]);
}

#[test]
fn write_attributes_needs_pmax_greater_than_pmin() {
    let mut c = core(&[]);
    register(&mut c, 0, 1, "U");
    assert!(trigger(&mut c, 1, &format!("write-attributes {EP} /3/0/13 pmin=10&pmax=5")).is_empty());
    let sent = trigger(
        &mut c,
        1,
        &format!("write-attributes {EP} /3/0/9 pmin=1&pmax=5&gt=50&lt=10&st=2"),
    );
    assert_eq!(sent[0].1.code, Code::PUT);
    let q: Vec<String> = sent[0].1.uri_query().into_iter().map(|(k, _)| k).collect();
    assert_eq!(q, ["pmin", "pmax", "gt", "lt", "st"]);
}

#[test]
fn mapping_of_writes_execute_create_delete_discover() {
    let mut c = core(&[]);
    register(&mut c, 0, 1, "U");
    let cases = [
        (format!("write {EP} /1/0/1 120"), Code::PUT, "/1/0/1", Some(0)),
        (
            format!("write-partial {EP} /1/0 1=130"),
            Code::POST,
            "/1/0",
            Some(11542),
        ),
        (format!("execute {EP} /1/0/8 "), Code::POST, "/1/0/8", None),
        (format!("create {EP} /3303 5700=21.5"), Code::POST, "/3303", Some(11542)),
        (format!("delete {EP} /3303/0"), Code::DELETE, "/3303/0", None),
        (format!("discover {EP} /3/0"), Code::GET, "/3/0", None),
    ];
    for (line, code, path, cf) in cases {
        let sent = trigger(&mut c, 1, &line);
        assert_eq!(sent.len(), 1, "{line}");
        let m = &sent[0].1;
        assert_eq!(
            (m.code, m.uri_path().as_str(), m.content_format()),
            (code, path, cf),
            "{line}"
        );
    }
    assert!(
        trigger(&mut c, 1, &format!("write-partial {EP} /1/0/1 5")).is_empty(),
        "partial update targets an instance"
    );
}

#[test]
fn observe_cancel_and_reobserve_on_register() {
    let mut c = core(&[]);
    register(&mut c, 0, 1, "U");
    let obs = trigger(&mut c, 1, &format!("observe {EP} /3/0/13"));
    assert_eq!(obs[0].1.observe(), Some(0));
    // The client accepts: ACK 2.05 with an Observe option.
    let mut ack = Message::new(
        MessageType::Acknowledgement,
        Code::CONTENT,
        obs[0].1.mid,
        obs[0].1.token.clone(),
    );
    ack.add_uint_option(option::OBSERVE, 1);
    feed(&mut c, 1, client(), &ack);
    // A new Register: 2.01, then the observation again under a new token.
    let (_, sent) = register(&mut c, 2, 2, "U");
    assert_eq!(sent.len(), 2);
    assert_eq!(
        (sent[1].1.uri_path().as_str(), sent[1].1.observe()),
        ("/3/0/13", Some(0))
    );
    assert_ne!(sent[1].1.token, obs[0].1.token);
    let cancel = trigger(&mut c, 3, &format!("cancel-observe {EP} /3/0/13"));
    assert_eq!((cancel[0].1.observe(), &cancel[0].1.token), (Some(1), &sent[1].1.token));
    // Object observation must not name a Resource without an Object Instance.
    assert!(trigger(&mut c, 3, &format!("observe {EP} /3//13")).is_empty());
}

#[test]
fn lifetime_expiry_removes_the_registration() {
    let mut c = core(&[]);
    let (location, _) = register(&mut c, 0, 1, "U");
    assert_eq!(c.poll_timeout(), Some(Duration::from_secs(60)));
    c.handle_timeout(Duration::from_secs(60));
    let stale = feed(&mut c, 61, client(), &request(Code::POST, 2, &location, &[]));
    assert_eq!(stale[0].1.code, Code::NOT_FOUND);
}

#[test]
fn a_second_register_replaces_the_first() {
    let mut c = core(&[]);
    let (first, _) = register(&mut c, 0, 1, "U");
    let (second, _) = register(&mut c, 1, 2, "U");
    assert_ne!(first, second);
    let old = feed(&mut c, 2, client(), &request(Code::POST, 3, &first, &[]));
    assert_eq!(old[0].1.code, Code::NOT_FOUND);
    let retransmitted = feed(&mut c, 2, client(), &{
        let mut m = request(Code::POST, 2, "/rd", &[("ep", EP), ("lt", "60"), ("b", "U")]);
        m.payload = b"</1/0>,</3/0>".to_vec();
        m
    });
    assert_eq!(
        retransmitted[0].1.location_path().as_deref(),
        Some(second.as_str()),
        "a duplicate gets the same answer"
    );
}

#[test]
fn every_table_3_binding_is_accepted() {
    let mut c = core(&[]);
    for (i, b) in super::registry::BINDINGS.iter().enumerate() {
        register(&mut c, 0, 10 + i as u16, b);
    }
    let mut no_lt = request(
        Code::POST,
        99,
        "/rd",
        &[("ep", "other"), ("sms", "+15550000001"), ("lwm2m", "1.0")],
    );
    no_lt.payload = b"</1/0>".to_vec();
    assert_eq!(feed(&mut c, 0, client(), &no_lt)[0].1.code, Code::CREATED);
    let bad = feed(
        &mut c,
        0,
        client(),
        &request(Code::POST, 100, "/rd", &[("ep", "x"), ("b", "X")]),
    );
    assert_eq!(bad[0].1.code, Code::BAD_REQUEST);
}

#[test]
fn garbage_and_odd_requests_do_not_panic() {
    let mut c = core(&[]);
    for bytes in [
        &[][..],
        &[0xff],
        &[0x40, 0x01, 0x00],
        &[0x40, 0x02, 0x12, 0x34, 0xff],
        &[0x50, 0x45, 0, 1],
    ] {
        c.handle_datagram(Duration::ZERO, client(), bytes);
    }
    let rst = out(&mut c);
    assert!(
        rst.iter()
            .all(|(_, m)| m.mtype == MessageType::Reset || m.code.class() == 4),
        "only RSTs and client errors: {rst:?}"
    );
    // A response nobody asked for is rejected; a ping is answered with RST.
    let mut stray = Message::new(MessageType::Confirmable, Code::CONTENT, 7, vec![9, 9]);
    stray.payload = b"x".to_vec();
    assert_eq!(feed(&mut c, 0, client(), &stray)[0].1.mtype, MessageType::Reset);
    let ping = Message::new(MessageType::Confirmable, Code::EMPTY, 8, Vec::new());
    assert_eq!(feed(&mut c, 0, client(), &ping)[0].1.mtype, MessageType::Reset);
    for line in [
        "",
        "read",
        "read ep",
        "write ep /x/y 1",
        "create ep /3/0 1=2",
        "write-attributes ep /3 pmin=x",
    ] {
        assert!(trigger(&mut c, 0, line).is_empty(), "{line:?}");
    }
    let huge = request(Code::POST, 9, "/rd", &[("ep", "e"), ("lt", "99999999999")]);
    assert_eq!(feed(&mut c, 0, client(), &huge)[0].1.code, Code::BAD_REQUEST);
}

/// A whole conformant session as a transcript: what the client sends (`->`) and what the
/// server sends back (`<-`), one CoAP message a line.
#[test]
fn conformant_session() {
    let mut c = core(&[]);
    let mut lines = Vec::new();
    let log = |lines: &mut Vec<String>, sent: Vec<(SocketAddr, Message)>| {
        lines.extend(sent.into_iter().map(|(_, m)| format!("<- {m}")));
    };
    let step = |lines: &mut Vec<String>, c: &mut ServerCore, m: Message| {
        lines.push(format!("-> {m}"));
        feed(c, 1, client(), &m)
    };
    let sent = trigger(&mut c, 0, &format!("read {EP} /3/0/0"));
    lines.push(format!("trigger read before Register: {} sent", sent.len()));
    let mut reg = request(Code::POST, 1, "/rd", &[("ep", EP), ("lt", "60"), ("b", "U")]);
    reg.payload = b"</1/0>,</3/0>".to_vec();
    let sent = step(&mut lines, &mut c, reg);
    let read = sent[1].1.clone();
    log(&mut lines, sent);
    let mut answer = Message::new(
        MessageType::Acknowledgement,
        Code::CONTENT,
        read.mid,
        read.token.clone(),
    );
    answer.add_uint_option(option::CONTENT_FORMAT, 0);
    answer.payload = b"ACME".to_vec();
    let sent = step(&mut lines, &mut c, answer);
    log(&mut lines, sent);
    for line in [
        format!("observe {EP} /3/0/13"),
        format!("write-attributes {EP} /3/0/13 pmin=10&pmax=5"),
        format!("write-partial {EP} /1/0 1=120,7=U"),
    ] {
        lines.push(format!("trigger {line}"));
        let sent = trigger(&mut c, 2, &line);
        log(&mut lines, sent);
    }
    insta::assert_snapshot!(lines.join("\n"));
}

fn ack(to: &Message, code: Code) -> Message {
    Message::new(MessageType::Acknowledgement, code, to.mid, to.token.clone())
}

#[test]
fn split_write_attributes_sends_periods_then_thresholds() {
    let mut c = core(&[]).with_variants([super::Variant::SplitWriteAttributes].into());
    register(&mut c, 0, 1, "U");
    let first = trigger(
        &mut c,
        1,
        &format!("write-attributes {EP} /3/0/9 pmin=1&pmax=5&gt=50&lt=10&st=2"),
    );
    assert_eq!(first.len(), 1, "one exchange at a time");
    let keys = |m: &Message| m.uri_query().into_iter().map(|(k, _)| k).collect::<Vec<_>>();
    assert_eq!(
        (first[0].1.code, keys(&first[0].1)),
        (Code::PUT, vec!["pmin".into(), "pmax".into()])
    );
    let second = feed(&mut c, 1, client(), &ack(&first[0].1, Code::CHANGED));
    assert_eq!(second.len(), 1, "the thresholds follow the answer");
    assert_eq!(second[0].1.uri_path(), "/3/0/9");
    assert_eq!(keys(&second[0].1), ["gt", "lt", "st"]);
    // One kind only: one request, as by default.
    let only = trigger(&mut c, 2, &format!("write-attributes {EP} /3/0/13 pmin=1&pmax=5"));
    assert_eq!(only.len(), 1);
}

#[test]
fn normalised_paths_turn_an_empty_instance_segment_into_an_instance() {
    let mut c = core(&[]).with_variants([super::Variant::NormalisedPaths].into());
    register(&mut c, 0, 1, "U");
    let sent = trigger(&mut c, 1, &format!("observe {EP} /3//13"));
    assert_eq!(
        (sent[0].1.uri_path().as_str(), sent[0].1.observe()),
        ("/3/13", Some(0)),
        "Object 3, Instance 13"
    );
}

#[test]
fn the_downlink_fault_sends_requests_to_port_5683() {
    let mut c = core(&[Fault::DownlinkToCoapPort]);
    let (_, _) = register(&mut c, 0, 1, "U");
    let sent = trigger(&mut c, 1, &format!("read {EP} /3/0/0"));
    assert_eq!(sent[0].0, SocketAddr::new(client().ip(), 5683));
    let mut conformant = core(&[]);
    register(&mut conformant, 0, 1, "U");
    assert_eq!(trigger(&mut conformant, 1, &format!("read {EP} /3/0/0"))[0].0, client());
}

/// RFC 7252 §3, §4.2, §4.3, §5.4.1: a message format error is answered with RST when it is
/// Confirmable and otherwise ignored; an unrecognized critical option gets 4.02 Bad Option in a
/// Confirmable request, is ignored in a Non-confirmable one, and makes a Confirmable response
/// rejected with RST. None of them registers anything; a valid Register afterwards does.
#[test]
fn hostile_datagrams_are_rejected_as_rfc_7252_says_and_a_register_still_works() {
    let mut c = core(&[]);
    let at = Duration::from_secs(0);
    let send = |c: &mut ServerCore, bytes: &[u8]| {
        c.handle_datagram(at, client(), bytes);
        out(c)
    };
    // Token length 9 (CON), an option delta nibble 15, a payload marker with no payload, an
    // Empty message with a token: message format errors, RST for the Confirmable ones only.
    for (bytes, rst) in [
        (&[0x49, 0x02, 0x00, 0x10][..], true),
        (&[0x40, 0x02, 0x00, 0x11, 0xf1, 0x00][..], true),
        (&[0x40, 0x02, 0x00, 0x12, 0xb2, b'r', b'd', 0xff][..], true),
        (&[0x41, 0x00, 0x00, 0x13, 0x01][..], true),
        (&[0x59, 0x02, 0x00, 0x14][..], false),
        (&[0x50, 0x02, 0x00, 0x15, 0xb2, b'r', b'd', 0xff][..], false),
        (&[0x60, 0x45, 0x00, 0x16, 0xff][..], false),
    ] {
        let sent = send(&mut c, bytes);
        let expected: Vec<(MessageType, Code, u16)> = if rst {
            vec![(
                MessageType::Reset,
                Code::EMPTY,
                u16::from_be_bytes([bytes[2], bytes[3]]),
            )]
        } else {
            vec![]
        };
        let seen: Vec<_> = sent.iter().map(|(_, m)| (m.mtype, m.code, m.mid)).collect();
        assert_eq!(seen, expected, "{}", crate::coap::message::hex(bytes));
    }
    // An unknown critical option (9) in a CON Register: 4.02, not a registration.
    let mut reg = request(Code::POST, 0x20, "/rd", &[("ep", EP), ("lt", "60")]);
    reg.add_option(9, vec![1]);
    let sent = feed(&mut c, 0, client(), &reg);
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].1.mtype, sent[0].1.code),
        (MessageType::Acknowledgement, Code::BAD_OPTION)
    );
    // The same as NON: rejected, silently.
    reg.mtype = MessageType::NonConfirmable;
    reg.mid = 0x21;
    assert!(feed(&mut c, 0, client(), &reg).is_empty());
    // A CON response with one: rejected with RST; an ACK with one: ignored.
    let mut resp = Message::new(MessageType::Confirmable, Code::CONTENT, 0x22, vec![7]);
    resp.add_option(2049, vec![]);
    let sent = feed(&mut c, 0, client(), &resp);
    assert_eq!(
        sent.iter().map(|(_, m)| (m.mtype, m.mid)).collect::<Vec<_>>(),
        [(MessageType::Reset, 0x22)]
    );
    resp.mtype = MessageType::Acknowledgement;
    assert!(feed(&mut c, 0, client(), &resp).is_empty());
    assert!(c.regs.by_endpoint(EP).is_none(), "nothing registered");
    let (location, _) = register(&mut c, 1, 0x30, "U");
    assert!(location.starts_with("/rd/"));
}
