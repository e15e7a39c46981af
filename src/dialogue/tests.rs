use super::script::*;
use super::{Kind, Operation, Peers, annotate_all, render};
use crate::coap::{Code, Message, MessageType};

fn transcript(s: &Script) -> Vec<String> {
    let d = s.datagrams();
    let (annotated, roles) = annotate_all(&d);
    let peers = Peers::name(&roles, &d);
    let mut lines = peers.legend();
    lines.extend(
        annotated
            .iter()
            .map(|a| render::line(a, &peers.label(a.datagram.from), &peers.label(a.datagram.to))),
    );
    lines
}

/// Bootstrap, registration, every DM operation, an observation with notifications, Update,
/// De-register: the transcript names each operation and pairs each answer.
#[test]
fn a_whole_session_reads_as_lwm2m() {
    let mut s = Script::default();
    let bs = s.send(CLIENT, BOOTSTRAP, request(Code::POST, "/bs", &["ep=dev1"]));
    s.answer(&bs, BOOTSTRAP, CLIENT, Code::CHANGED);
    let del = s.send(BOOTSTRAP, CLIENT, request(Code::DELETE, "/", &[]));
    s.answer(&del, CLIENT, BOOTSTRAP, Code::DELETED);
    let w = s.send(
        BOOTSTRAP,
        CLIENT,
        with_payload(
            request(Code::PUT, "/1/0", &[]),
            11542,
            &[0xc1, 0x00, 0x01, 0xc4, 0x01, 0, 0, 1, 0x2c],
        ),
    );
    s.answer(&w, CLIENT, BOOTSTRAP, Code::CHANGED);
    let fin = s.send(BOOTSTRAP, CLIENT, request(Code::POST, "/bs", &[]));
    s.answer(&fin, CLIENT, BOOTSTRAP, Code::CHANGED);
    s.wait(1.0);
    s.register(&["ep=dev1", "lt=300", "b=U"], "/rd/5a3f");
    let mut read = request(Code::GET, "/3/0", &[]);
    read.add_uint_option(17, 11542);
    let read = s.send(SERVER, CLIENT, read);
    let tlv = [0xc8, 0x00, 0x04, b'A', b'C', b'M', b'E'];
    s.send(
        CLIENT,
        SERVER,
        with_payload(piggybacked(&read, Code::CONTENT), 11542, &tlv),
    );
    let write = s.send(
        SERVER,
        CLIENT,
        with_payload(request(Code::PUT, "/1/0/1", &[]), 0, b"60"),
    );
    // A lost ACK: the server retransmits, the client answers again.
    s.resend(SERVER, CLIENT, &write);
    s.answer(&write, CLIENT, SERVER, Code::CHANGED);
    let wa = s.send(SERVER, CLIENT, request(Code::PUT, "/3/0/13", &["pmin=1", "pmax=5"]));
    s.answer(&wa, CLIENT, SERVER, Code::CHANGED);
    let obs = s.send(SERVER, CLIENT, with_observe(request(Code::GET, "/3/0/13", &[]), 0));
    s.send(
        CLIENT,
        SERVER,
        with_payload(with_observe(piggybacked(&obs, Code::CONTENT), 1), 0, b"1700000000"),
    );
    s.wait(5.0);
    let mut notify = with_payload(
        with_observe(
            Message::new(MessageType::Confirmable, Code::CONTENT, 0, obs.token.clone()),
            2,
        ),
        0,
        b"1700000005",
    );
    notify = s.send(CLIENT, SERVER, notify);
    s.send(
        SERVER,
        CLIENT,
        Message::new(MessageType::Acknowledgement, Code::EMPTY, notify.mid, vec![]),
    );
    let exec = s.send(SERVER, CLIENT, request(Code::POST, "/3/0/4", &[]));
    // Separate response: empty ACK first, then a Confirmable 2.04.
    s.send(
        CLIENT,
        SERVER,
        Message::new(MessageType::Acknowledgement, Code::EMPTY, exec.mid, vec![]),
    );
    let sep = s.send(
        CLIENT,
        SERVER,
        Message::new(MessageType::Confirmable, Code::CHANGED, 0, exec.token.clone()),
    );
    s.send(
        SERVER,
        CLIENT,
        Message::new(MessageType::Reset, Code::EMPTY, sep.mid, vec![]),
    );
    let update = s.send(CLIENT, SERVER, request(Code::POST, "/rd/5a3f", &["lt=600"]));
    s.answer(&update, SERVER, CLIENT, Code::CHANGED);
    let dereg = s.send(CLIENT, SERVER, request(Code::DELETE, "/rd/5a3f", &[]));
    s.answer(&dereg, SERVER, CLIENT, Code::DELETED);
    s.raw(CLIENT, SERVER, vec![0xff, 0x00]);
    insta::assert_snapshot!(transcript(&s).join("\n"));
}

#[test]
fn a_registration_outside_rd_is_followed_to_its_location() {
    let mut s = Script::default();
    s.register(&["ep=dev1"], "/reg/7");
    let up = s.send(CLIENT, SERVER, request(Code::POST, "/reg/7", &[]));
    s.answer(&up, SERVER, CLIENT, Code::CHANGED);
    let (a, _) = annotate_all(&s.datagrams());
    assert!(matches!(&a[2].kind, Kind::Request { op: Some(Operation::Update), path } if path == "/reg/7"));
    assert!(
        matches!(&a[3].kind, Kind::Response { answers: Some(r) } if r.op == Some(Operation::Update) && r.frame == 3)
    );
}

#[test]
fn roles_come_from_what_peers_send_and_several_clients_are_numbered() {
    let mut s = Script::default();
    let other = "127.0.0.3:40002";
    s.register(&["ep=dev1"], "/rd/1");
    let reg = s.send(other, SERVER, request(Code::POST, "/rd", &["ep=dev2"]));
    s.answer(&reg, SERVER, other, Code::CREATED);
    let d = s.datagrams();
    let (_, roles) = annotate_all(&d);
    let peers = Peers::name(&roles, &d);
    assert_eq!(
        peers.legend(),
        [
            "client1 = 127.0.0.2:40001 (ep=dev1)",
            "server = 127.0.0.1:5683",
            "client2 = 127.0.0.3:40002 (ep=dev2)"
        ]
    );
}

#[test]
fn a_message_id_reused_after_the_exchange_lifetime_is_a_new_message() {
    let mut s = Script::default();
    let read = s.send(SERVER, CLIENT, request(Code::GET, "/3/0", &[]));
    s.resend(SERVER, CLIENT, &read);
    s.wait(300.0);
    let mut again = request(Code::GET, "/3/0/9", &[]);
    again.mid = read.mid;
    s.send(SERVER, CLIENT, again);
    let (a, _) = annotate_all(&s.datagrams());
    assert_eq!(a[1].retransmits, Some(1), "within EXCHANGE_LIFETIME: a retransmission");
    assert_eq!(a[2].retransmits, None, "after it: a new request");
    assert!(matches!(&a[2].kind, Kind::Request { op: Some(Operation::Read), path } if path == "/3/0/9"));
}

#[test]
fn block_options_are_shown() {
    let mut s = Script::default();
    let read = s.send(SERVER, CLIENT, request(Code::GET, "/5/0/0", &[]));
    let mut part = with_payload(piggybacked(&read, Code::CONTENT), 42, &[0u8; 16]);
    // Block2: NUM 0, more, SZX 0 (16 bytes).
    part.add_option(23, vec![0x08]);
    s.send(CLIENT, SERVER, part);
    let (a, _) = annotate_all(&s.datagrams());
    let line = render::body(&a[1]);
    assert!(line.ends_with("block2=0/1/16 of #1]"), "{line}");
}
