//! The engine on a manual clock with scripted datagrams: no sockets, no processes.

use super::*;
use crate::coap::message::option;
use crate::coap::{Code, MessageType};
use crate::yaml::parse_yaml;
use std::path::Path as FsPath;

const SERVER: &str = "127.9.9.9:5683";
const DUT: &str = "127.9.9.9:40000";
const BOOTSTRAP: &str = "127.8.8.8:5683";

fn addr(s: &str) -> SocketAddr {
    s.parse().expect("literal address")
}

fn setup() -> TrialSetup {
    TrialSetup {
        server: addr(SERVER),
        endpoints: vec![("server".into(), addr(SERVER)), ("bootstrap".into(), addr(BOOTSTRAP))],
        dut_address: None,
        triggers: Default::default(),
        endpoint: "dev1".into(),
        timing: Timing::default(),
        lwm2m_version: Default::default(),
        formats: vec![ContentFormat::TLV, ContentFormat::SENML_JSON],
        seed: 42,
        stop: "SIGTERM".into(),
        console: Vec::new(),
    }
}

fn case(yaml: &str) -> Case {
    parse_yaml(FsPath::new("inline.yaml"), yaml).expect("test case parses")
}

/// A client case judging `requirement` (catching fault `f`) with these `steps:` lines.
fn client_case(requirement: &str, steps: &str) -> Case {
    case(&format!(
        "id: t\ntitle: t\ndut: client\nrequirements: [{requirement}]\ncatches: f\nsteps:{steps}"
    ))
}

fn ms(v: u64) -> Duration {
    Duration::from_millis(v)
}

fn register(mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::POST, mid, vec![0xaa, mid as u8]);
    m.set_uri(
        "/rd",
        &[
            ("ep".into(), Some("dev1".into())),
            ("lt".into(), Some("300".into())),
            ("b".into(), Some("U".into())),
        ],
    );
    m.add_uint_option(option::CONTENT_FORMAT, 40);
    m.payload = b"</1/0>,</3/0>".to_vec();
    m.to_bytes().expect("encodes")
}

fn feed(e: &mut Engine, at: Duration, bytes: Vec<u8>) {
    e.handle(
        at,
        Event::Datagram {
            from: addr(DUT),
            to: addr(SERVER),
            bytes,
        },
    );
}

/// Sent messages, parsed.
fn sent(e: &mut Engine) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(a) = e.poll_action() {
        if let Action::Send { bytes, to, .. } = a {
            assert_eq!(to, addr(DUT));
            out.push(Message::parse(&bytes).expect("the engine sends valid CoAP"));
        }
    }
    out
}

fn content_reply(to: &Message, payload: &[u8]) -> Vec<u8> {
    let mut m = Message::new(MessageType::Acknowledgement, Code::CONTENT, to.mid, to.token.clone());
    m.add_uint_option(option::CONTENT_FORMAT, 11542);
    m.payload = payload.to_vec();
    m.to_bytes().expect("encodes")
}

const IGNORE_READ: &str = r#"
  - expect: { as: register, method: POST, path: /rd, query: { ep: "{endpoint}" }, within: startup, setup: true }
  - send: { as: early, operation: read, path: /3/0 }
  - expect_none: { response_to: early, within: quiet }
  - respond: { to: register, code: "2.01", location: "/rd/{reg_id}" }
  - send: { as: read, operation: read, path: /3/0 }
  - expect_response: { to: read, code: "2.05", content_format: requested }
"#;

/// Device Manufacturer "ACME" as TLV: resource 0, 4 bytes.
const TLV_MANUFACTURER: &[u8] = &[0xc4, 0x00, b'A', b'C', b'M', b'E'];

#[test]
fn conformant_exchange_passes_and_the_transcript_reads_well() {
    let mut e = Engine::new(client_case("DM-X", IGNORE_READ), setup(), Duration::ZERO);
    assert_eq!(
        e.poll_timeout(),
        Some(Duration::from_secs(10)),
        "waits for the Register up to startup_timeout"
    );
    feed(&mut e, ms(100), register(0x100));
    let early = sent(&mut e);
    assert_eq!(early.len(), 1);
    assert_eq!(
        (early[0].code, early[0].uri_path().as_str(), early[0].accept()),
        (Code::GET, "/3/0", Some(11542))
    );
    // Quiet window ends at 2.1 s; the early Read's first retransmission is due after 2 s at least.
    e.handle_timeout(ms(2100));
    let msgs = sent(&mut e);
    let ack = msgs
        .iter()
        .find(|m| m.mtype == MessageType::Acknowledgement)
        .expect("the Register is answered");
    assert_eq!((ack.code, ack.mid), (Code::CREATED, 0x100));
    assert!(ack.location_path().is_some_and(|l| l.starts_with("/rd/")));
    let read = msgs.iter().find(|m| m.code == Code::GET).expect("second Read");
    feed(&mut e, ms(2200), content_reply(read, TLV_MANUFACTURER));
    let outcome = e.outcome().expect("finished");
    assert_eq!(outcome.judgement, Judgement::Pass, "{outcome:?}");
    insta::assert_snapshot!(e.transcript().join("\n"));
}

#[test]
fn answering_before_the_registration_ack_fails_with_frames() {
    let mut e = Engine::new(client_case("DM-X", IGNORE_READ), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register(0x100));
    let early = sent(&mut e).remove(0);
    feed(&mut e, ms(150), content_reply(&early, TLV_MANUFACTURER));
    let o = e.outcome().expect("judged at once, no need to wait out the window");
    assert_eq!(o.judgement, Judgement::Fail);
    let f = o.failure.as_ref().expect("failure details");
    assert_eq!(
        (f.step, f.frames.as_slice()),
        (3, &[3u32][..]),
        "frame 1 Register, 2 Read, 3 the response"
    );
    assert!(o.message.contains("DM-X"), "{}", o.message);
    insta::assert_snapshot!(o.message);
}

#[test]
fn a_dut_that_never_registers_is_inconclusive_at_the_startup_timeout() {
    let mut e = Engine::new(client_case("DM-X", IGNORE_READ), setup(), Duration::ZERO);
    e.handle_timeout(ms(9_999));
    assert!(e.outcome().is_none());
    e.handle_timeout(ms(10_000));
    let o = e.outcome().expect("finished");
    assert_eq!(o.judgement, Judgement::Inconclusive);
    assert_eq!(e.poll_timeout(), None, "nothing left to wait for");
}

#[test]
fn retransmitted_register_is_not_taken_twice_and_gets_the_same_answer() {
    let yaml = r#"
  - expect: { method: POST, path: /rd }
  - respond: { code: "2.01", location: /rd/abc }
  - expect: { method: POST, path: /rd, within: 3s }
"#;
    let mut e = Engine::new(client_case("REG-X", yaml), setup(), Duration::ZERO);
    feed(&mut e, ms(10), register(7));
    let first = sent(&mut e);
    feed(&mut e, ms(2000), register(7));
    let replay = sent(&mut e);
    assert_eq!(first, replay, "the cached ACK is sent again");
    e.handle_timeout(ms(3010));
    let o = e.outcome().expect("finished");
    assert_eq!(o.judgement, Judgement::Fail, "the duplicate is not a second Register");
}

#[test]
fn malformed_and_unexpected_datagrams_never_panic_and_are_reported() {
    let yaml = r#"
  - expect: { method: POST, path: /rd, within: 1s }
"#;
    let mut e = Engine::new(client_case("REG-X", yaml), setup(), Duration::ZERO);
    for (i, junk) in [&[][..], &[0xff, 0x00], &[0x40, 0x01, 0x00], &[0x44, 0x02, 0, 1, 0xaa]]
        .iter()
        .enumerate()
    {
        feed(&mut e, ms(i as u64), junk.to_vec());
    }
    let mut wrong = Message::new(MessageType::Confirmable, Code::POST, 9, vec![1]);
    wrong.set_uri("/reg", &[]);
    feed(&mut e, ms(10), wrong.to_bytes().expect("encodes"));
    e.handle_timeout(ms(1000));
    let o = e.outcome().expect("finished");
    assert_eq!(o.judgement, Judgement::Fail);
    let f = o.failure.as_ref().expect("details");
    assert!(f.observed.contains("path is /reg, expected /rd"), "{}", f.observed);
    assert!(
        f.observed.contains("rejected with RST (message format error"),
        "{}",
        f.observed
    );
}

fn dut_exits(e: &mut Engine, at: Duration, status: &str) {
    e.handle(at, Event::DutExited { status: status.into() });
}

#[test]
fn the_dut_exiting_ends_a_wait_at_once() {
    let yaml = r#"
  - expect: { method: POST, path: /rd, within: 60s }
"#;
    let mut e = Engine::new(client_case("REG-X", yaml), setup(), Duration::ZERO);
    dut_exits(&mut e, ms(50), "exit status 3");
    let o = e.outcome().expect("no need to wait 60 s for a dead process");
    assert_eq!(o.judgement, Judgement::Inconclusive, "{}", o.message);
    assert!(o.message.contains("exit status 3"), "{}", o.message);
    assert!(o.message.contains("step 1 (expect POST /rd)"), "{}", o.message);
}

/// A DUT that exits on its own during a quiet window (or any other step) ends the trial at once,
/// as inconclusive: the window is not run out and its requirement (or a later step's) not
/// blamed. A `stop_dut` step expects the exit, and the case goes on.
#[test]
fn an_unexpected_exit_during_any_step_is_inconclusive_at_once_and_an_asked_one_is_not() {
    let quiet = r#"
  - expect: { as: register, method: POST, path: /rd }
  - respond: { code: "2.01", location: "/rd/{reg_id}" }
  - expect_none: { within: 10s }
  - expect: { method: DELETE, path: "/rd/{reg_id}" }
"#;
    let mut e = Engine::new(client_case("REG-X", quiet), setup(), Duration::ZERO);
    feed(&mut e, ms(10), register(1));
    let _ = sent(&mut e);
    dut_exits(&mut e, ms(100), "killed by signal 11");
    let o = e.outcome().expect("ends at the exit, not after the 10 s window");
    assert_eq!(o.judgement, Judgement::Inconclusive, "{}", o.message);
    assert!(o.message.contains("killed by signal 11"), "{}", o.message);
    assert!(o.message.contains("step 3 (expect_none)"), "{}", o.message);
    let f = o.failure.as_ref().expect("details");
    assert_eq!(f.step, 3);
    assert!(f.observed.contains("0.100s into the trial"), "{}", f.observed);

    let stopped = r#"
  - expect: { as: register, method: POST, path: /rd }
  - respond: { code: "2.01", location: "/rd/{reg_id}" }
  - stop_dut: {}
  - expect: { method: DELETE, path: "/rd/{reg_id}", within: 10s }
"#;
    let mut e = Engine::new(client_case("REG-X", stopped), setup(), Duration::ZERO);
    feed(&mut e, ms(10), register(1));
    assert!(e.poll_action().is_some(), "the 2.01");
    assert_eq!(e.poll_action(), Some(Action::StopDut));
    dut_exits(&mut e, ms(100), "exit status 0");
    assert_eq!(e.outcome(), None, "the exit was asked for");
}

const CANCEL_BY_RST: &str = r#"
  - expect: { as: register, method: POST, path: /rd }
  - respond: { code: "2.01", location: "/rd/{reg_id}" }
  - send: { as: obs, operation: observe, path: /3/0/13 }
  - expect_notification: { to: obs, code: "2.05" }
  - expect_notification: { to: obs, code: "2.05", reject: true }
  - expect_none: { response_to: obs, within: quiet }
"#;

fn notification(obs: &Message, mid: u16, seq: u32) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::CONTENT, mid, obs.token.clone());
    m.add_uint_option(option::OBSERVE, seq);
    m.add_uint_option(option::CONTENT_FORMAT, 0);
    m.payload = b"1795000000".to_vec();
    m.to_bytes().expect("encodes")
}

#[test]
fn a_rejected_notification_is_answered_with_rst_and_later_ones_fail_the_quiet_window() {
    for keeps_notifying in [false, true] {
        let mut e = Engine::new(client_case("IR-X", CANCEL_BY_RST), setup(), Duration::ZERO);
        feed(&mut e, ms(10), register(1));
        let obs = sent(&mut e).pop().expect("the Observe");
        assert_eq!(obs.observe(), Some(0));
        let mut first = Message::parse(&notification(&obs, 7, 1)).expect("parses");
        first.mtype = MessageType::Acknowledgement;
        first.mid = obs.mid;
        feed(&mut e, ms(20), first.to_bytes().expect("encodes"));
        feed(&mut e, ms(1020), notification(&obs, 8, 2));
        let answers = sent(&mut e);
        assert_eq!(answers.len(), 1);
        assert_eq!(
            (answers[0].mtype, answers[0].mid),
            (MessageType::Reset, 8),
            "RST, not ACK"
        );
        if keeps_notifying {
            feed(&mut e, ms(2020), notification(&obs, 9, 3));
            let again = sent(&mut e);
            assert_eq!(
                again[0].mtype,
                MessageType::Reset,
                "a cancelled observation stays rejected"
            );
        }
        e.handle_timeout(ms(3100));
        let o = e.outcome().expect("ended");
        let want = if keeps_notifying {
            Judgement::Fail
        } else {
            Judgement::Pass
        };
        assert_eq!(o.judgement, want, "{}", o.message);
    }
}

const BOOTSTRAP_THEN_REGISTER: &str = r#"
id: t
title: t
dut: client
requirements: [BS-X]
catches: f
start: bootstrap
steps:
  - expect: { at: bootstrap, method: POST, path: /bs, query: { ep: "{endpoint}" } }
  - respond: { code: "2.04" }
  - send: { via: bootstrap, operation: write, path: /0/1, format: tlv, values: { /0/1/0: "{server_uri}", /0/1/1: "false", /0/1/2: "3", /0/1/10: "1" } }
  - expect_response: { code: "2.04" }
  - send: { via: bootstrap, operation: bootstrap-finish }
  - expect_response: { code: "2.04" }
  - expect: { method: POST, path: /rd }
"#;

#[test]
fn bootstrap_steps_use_the_bootstrap_endpoint_and_a_register_must_reach_the_server() {
    let mut e = Engine::new(case(BOOTSTRAP_THEN_REGISTER), setup(), Duration::ZERO);
    let mut req = Message::new(MessageType::Confirmable, Code::POST, 1, vec![1]);
    req.set_uri("/bs", &[("ep".into(), Some("dev1".into()))]);
    e.handle(
        ms(5),
        Event::Datagram {
            from: addr(DUT),
            to: addr(BOOTSTRAP),
            bytes: req.to_bytes().expect("encodes"),
        },
    );
    let mut out = Vec::new();
    while let Some(Action::Send { from, bytes, .. }) = e.poll_action() {
        out.push((from, Message::parse(&bytes).expect("valid")));
    }
    assert_eq!(out.len(), 2, "the 2.04 and the Bootstrap Write");
    assert!(
        out.iter().all(|(from, _)| *from == addr(BOOTSTRAP)),
        "both from the bootstrap endpoint"
    );
    let write = &out[1].1;
    assert_eq!(
        (write.code, write.uri_path().as_str(), write.content_format()),
        (Code::PUT, "/0/1", Some(11542))
    );
    let records = crate::lwm2m::decode(Some(ContentFormat::TLV), &"/0/1".parse().expect("path"), &write.payload)
        .expect("TLV decodes");
    let uri = format!("{:?}", records);
    assert!(uri.contains("coap://127.9.9.9:5683"), "{uri}");
    let mut ack = Message::new(
        MessageType::Acknowledgement,
        Code::CHANGED,
        write.mid,
        write.token.clone(),
    );
    e.handle(
        ms(10),
        Event::Datagram {
            from: addr(DUT),
            to: addr(BOOTSTRAP),
            bytes: ack.to_bytes().expect("encodes"),
        },
    );
    let finish = sent_any(&mut e).pop().expect("the Bootstrap-Finish");
    assert_eq!(
        (finish.code, finish.uri_path().as_str(), finish.payload.len()),
        (Code::POST, "/bs", 0)
    );
    ack = Message::new(
        MessageType::Acknowledgement,
        Code::CHANGED,
        finish.mid,
        finish.token.clone(),
    );
    e.handle(
        ms(15),
        Event::Datagram {
            from: addr(DUT),
            to: addr(BOOTSTRAP),
            bytes: ack.to_bytes().expect("encodes"),
        },
    );
    // A Register sent to the Bootstrap-Server instead does not count.
    e.handle(
        ms(20),
        Event::Datagram {
            from: addr(DUT),
            to: addr(BOOTSTRAP),
            bytes: register(2),
        },
    );
    e.handle_timeout(ms(5100));
    let o = e.outcome().expect("ended");
    assert_eq!(o.judgement, Judgement::Fail, "{}", o.message);
    assert!(o.message.contains("not to the server endpoint"), "{}", o.message);
}

fn sent_any(e: &mut Engine) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(a) = e.poll_action() {
        if let Action::Send { bytes, .. } = a {
            out.push(Message::parse(&bytes).expect("valid"));
        }
    }
    out
}

const TAKE_THE_SECOND: &str = r#"
  - expect: { as: bs, method: POST, path: /bs, within: startup }
  - expect_none: { request: true, pending: PENDING, within: quiet }
"#;

/// A Bootstrap-Request (POST /bs) from the DUT.
fn bootstrap_request(mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::POST, mid, vec![0xbb, mid as u8]);
    m.set_uri("/bs", &[("ep".into(), Some("dev1".into()))]);
    m.to_bytes().expect("encodes")
}

#[test]
fn expect_none_pending_counts_a_request_that_came_before_and_was_not_taken() {
    // A Register, then a Bootstrap-Request, which the first step takes: the Register is still
    // waiting, untaken, when `expect_none` begins. Only `pending` counts it.
    let run = |pending: bool| {
        let yaml = TAKE_THE_SECOND.replace("PENDING", if pending { "true" } else { "false" });
        let mut e = Engine::new(client_case("REG-X", &yaml), setup(), Duration::ZERO);
        feed(&mut e, ms(100), register(0x100));
        feed(&mut e, ms(110), bootstrap_request(0x101));
        e.handle_timeout(ms(2200));
        e.outcome().expect("finished").clone()
    };
    let counted = run(true);
    assert_eq!(counted.judgement, Judgement::Fail, "{counted:?}");
    assert!(
        counted.message.contains("frame 1") && counted.message.contains("not taken"),
        "{}",
        counted.message
    );
    let ignored = run(false);
    assert_eq!(ignored.judgement, Judgement::Pass, "{ignored:?}");
}

mod background;
mod ending;
mod server_dut;
mod server_role;

fn observe_request(mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::GET, mid, vec![0x0b, 0x5e]);
    m.set_uri("/3/0/13", &[]);
    m.add_uint_option(option::OBSERVE, 0);
    m.to_bytes().expect("encodes")
}

const NOTIFY_CASE: &str = r#"
id: notify-inline
title: t
dut: server
requirements: [IR-SERVER-SUPPORT-ALL-OPERATIONS]
catches: x
steps:
  - expect: { as: obs, method: GET, path: /3/0/13, observe: "0" }
  - respond: { to: obs, code: "2.05", content_format: text, payload: "1", observe: 1 }
  - notify: { to: obs, observe: 2, content_format: text, payload: "2" }
"#;

#[test]
fn notify_uses_the_observation_token_and_needs_an_ack() {
    for (reply, pass) in [(MessageType::Acknowledgement, true), (MessageType::Reset, false)] {
        let mut e = Engine::new(case(NOTIFY_CASE), setup(), ms(0));
        feed(&mut e, ms(10), observe_request(7));
        let out = sent(&mut e);
        let n = out.last().expect("a notification");
        assert_eq!(
            (n.mtype, n.code, n.observe()),
            (MessageType::Confirmable, Code::CONTENT, Some(2))
        );
        assert_eq!(n.token, vec![0x0b, 0x5e], "the observation's token");
        let answer = Message::new(reply, Code::EMPTY, n.mid, Vec::new());
        feed(&mut e, ms(20), answer.to_bytes().expect("encodes"));
        let outcome = e.outcome().expect("decided");
        assert_eq!(outcome.judgement == Judgement::Pass, pass, "{}", outcome.message);
        if !pass {
            assert!(outcome.message.contains("RST"), "{}", outcome.message);
        }
    }
}

#[test]
fn retransmit_sends_the_same_datagram_again() {
    let yaml = r#"
id: retransmit-inline
title: t
dut: server
requirements: [REG-SERVER-SUPPORT-ALL-OPERATIONS]
catches: x
steps:
  - send: { as: reg, operation: register, query: { ep: "{endpoint}" }, payload: "</1/0>" }
  - retransmit: { of: reg }
  - expect_response: { to: reg, code: "2.01" }
"#;
    let mut s = setup();
    s.dut_address = Some(addr(DUT));
    let mut e = Engine::new(case(yaml), s, ms(0));
    let out = sent(&mut e);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], out[1], "same Message ID, token and bytes");
}

/// The Write a client case sends after answering the Register `register` with 2.01.
fn write_after_register(register: Vec<u8>) -> Message {
    let steps = r#"
  - expect: { method: POST, path: /rd, within: startup }
  - respond: { code: "2.01", location: "/rd/1" }
  - send: { as: w, operation: write, path: /1/0, values: { /1/0/1: "120" } }
"#;
    let mut e = Engine::new(client_case("DM-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register);
    let pct_noted = e.transcript().join("\n").contains("pct");
    let write = sent(&mut e)
        .into_iter()
        .find(|m| m.code == Code::PUT)
        .expect("the Write is sent");
    assert_eq!(
        pct_noted,
        write.content_format() != Some(ContentFormat::TLV.0),
        "the transcript says why"
    );
    write
}

#[test]
fn a_pct_in_the_register_puts_that_format_first_for_writes() {
    let mut m = Message::new(MessageType::Confirmable, Code::POST, 0x100, vec![0xaa]);
    m.payload = b"</1/0>".to_vec();
    m.set_uri(
        "/rd",
        &[
            ("ep".into(), Some("dev1".into())),
            ("lwm2m".into(), Some("1.1".into())),
            ("pct".into(), Some("110".into())),
        ],
    );
    // The profile lists TLV first (setup()), but the DUT said it prefers SenML JSON.
    let write = write_after_register(m.to_bytes().expect("encodes"));
    assert_eq!(write.content_format(), Some(ContentFormat::SENML_JSON.0));
}

#[test]
fn without_a_pct_the_profile_order_holds() {
    let write = write_after_register(register(0x100));
    assert_eq!(write.content_format(), Some(ContentFormat::TLV.0));
}

#[test]
fn after_is_judged_on_arrival_order() {
    let steps = r#"
  - expect: { as: first, method: POST, path: /bs, within: startup }
  - respond: { to: first, code: "2.04" }
  - expect: { name: Register after the answer, after: first, method: POST, path: /rd, within: 1s }
  - respond: { code: "2.01", location: "/rd/1" }
"#;
    // The Register came before the Bootstrap-Request was answered: it matches everything but
    // the order, so the step waits for a later one and fails naming the early frame.
    let mut e = Engine::new(client_case("REG-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register(0x100));
    feed(&mut e, ms(110), bootstrap_request(0x101));
    e.handle_timeout(ms(1200));
    let early = e.outcome().expect("finished").clone();
    assert_eq!(early.judgement, Judgement::Fail, "{early:?}");
    assert!(
        early.message.contains("before the answer to `first`"),
        "{}",
        early.message
    );
    // In order: passes.
    let mut e = Engine::new(client_case("REG-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(100), bootstrap_request(0x101));
    feed(&mut e, ms(200), register(0x100));
    let ok = e.outcome().expect("finished").clone();
    assert_eq!(ok.judgement, Judgement::Pass, "{ok:?}");
}

#[test]
fn expect_none_since_counts_from_the_named_answer_on() {
    let steps = r#"
  - expect: { as: first, method: POST, path: /bs, within: startup }
  - respond: { to: first, code: "2.04" }
  - expect_none: { name: nothing since the answer, since: first, request: true, within: 500ms }
"#;
    // A Register that came before the Bootstrap-Request is not counted...
    let mut e = Engine::new(client_case("REG-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register(0x100));
    feed(&mut e, ms(110), bootstrap_request(0x101));
    e.handle_timeout(ms(700));
    let before = e.outcome().expect("finished").clone();
    assert_eq!(before.judgement, Judgement::Pass, "{before:?}");
    // ...one after the answer is.
    let mut e = Engine::new(client_case("REG-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(110), bootstrap_request(0x101));
    feed(&mut e, ms(200), register(0x100));
    let after = e.outcome().expect("finished").clone();
    assert_eq!(after.judgement, Judgement::Fail, "{after:?}");
}

/// A console that takes Write-Attributes parameters one by one, or values as SenML JSON.
#[test]
fn trigger_templates_see_each_attribute_and_the_senml_value() {
    let t: crate::case::model::Trigger =
        serde_yaml::from_str("{ operation: write-attributes, path: /3/0/9, attributes: \"pmin=1&pmax=5&gt=50\" }")
            .expect("trigger");
    let mut vars = crate::template::Vars::default();
    super::steps::trigger_vars(&mut vars, &t).expect("vars");
    let line = vars.render("attr {path} pmin={pmin} pmax={pmax} gt={gt} lt={lt} [{attributes}]");
    assert_eq!(
        line.as_deref(),
        Ok("attr /3/0/9 pmin=1 pmax=5 gt=50 lt= [pmin=1&pmax=5&gt=50]")
    );
    let w: crate::case::model::Trigger =
        serde_yaml::from_str("{ operation: write, path: /3/0/14, value: \"+02:00\" }").expect("trigger");
    super::steps::trigger_vars(&mut vars, &w).expect("vars");
    assert_eq!(vars.get("senml"), Some(r#"[{"bn":"/3/0/14","vs":"+02:00"}]"#));
}

/// The harness's endpoint under hostile datagrams (RFC 7252 §3, §4.2, §4.3, §5.4.1): a format
/// error is answered with RST when Confirmable and otherwise ignored, a Confirmable request with
/// an unrecognized critical option gets 4.02 Bad Option, a Non-confirmable one is ignored; none
/// is taken as the Register the case waits for, the transcript says why, and the valid Register
/// that follows is.
#[test]
fn hostile_datagrams_are_rejected_and_the_case_proceeds() {
    const REGISTER: &str = r#"
  - expect: { as: register, method: POST, path: /rd, query: { ep: "{endpoint}" }, within: startup }
  - respond: { to: register, code: "2.01", location: "/rd/{reg_id}" }
"#;
    let mut e = Engine::new(client_case("REG-X", REGISTER), setup(), Duration::ZERO);
    assert!(sent(&mut e).is_empty());
    let mut critical = Message::parse(&register(0x0200)).expect("parses");
    critical.add_option(9, vec![1]);
    let mut critical_non = critical.clone();
    critical_non.mtype = MessageType::NonConfirmable;
    critical_non.mid = 0x0201;
    type Answer = Option<(MessageType, Code)>;
    let cases: Vec<(Vec<u8>, Answer)> = vec![
        (vec![0x49, 0x02, 0x00, 0x10], Some((MessageType::Reset, Code::EMPTY))),
        (
            vec![0x40, 0x02, 0x00, 0x11, 0xb2, b'r', b'd', 0xff],
            Some((MessageType::Reset, Code::EMPTY)),
        ),
        (vec![0x50, 0x02, 0x00, 0x12, 0xf0], None),
        (
            critical.to_bytes().expect("encodes"),
            Some((MessageType::Acknowledgement, Code::BAD_OPTION)),
        ),
        (critical_non.to_bytes().expect("encodes"), None),
    ];
    for (i, (bytes, answer)) in cases.into_iter().enumerate() {
        feed(&mut e, ms(10 + i as u64), bytes.clone());
        let got: Vec<_> = sent(&mut e).iter().map(|m| (m.mtype, m.code)).collect();
        assert_eq!(
            got,
            answer.into_iter().collect::<Vec<_>>(),
            "{}",
            crate::coap::message::hex(&bytes)
        );
    }
    // Thousands of random datagrams (none under the Register's Message ID).
    let mut rng = crate::fuzz::mutate::Rng::new(11);
    for i in 0..3000u64 {
        let len = rng.below(64);
        let bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        if bytes.get(2..4) == Some(&[0x01, 0x00]) {
            continue;
        }
        feed(&mut e, ms(100 + i / 100), bytes);
        let _ = sent(&mut e);
    }
    assert!(
        e.outcome().is_none(),
        "still waiting for the Register: {:?}",
        e.outcome()
    );
    feed(&mut e, ms(200), register(0x100));
    let answers = sent(&mut e);
    assert!(
        answers.iter().any(|m| m.code == Code::CREATED && m.mid == 0x100),
        "{answers:?}"
    );
    let outcome = e.outcome().expect("finished");
    assert_eq!(outcome.judgement, Judgement::Pass, "{outcome:?}");
    let transcript = e.transcript().join("\n");
    for why in [
        "rejected with RST: message format error: a token length over 8 (RFC 7252 §3)",
        "rejected with RST: message format error: a payload marker with no payload (RFC 7252 §3)",
        "ignored: message format error: an option delta of 15",
        "answered 4.02 Bad Option: unrecognized critical option 9 in a CON request (RFC 7252 §5.4.1)",
        "ignored: unrecognized critical option 9 in a NON request (RFC 7252 §5.4.1)",
    ] {
        assert!(transcript.contains(why), "transcript lacks {why:?}");
    }
}

/// A DUT that restarts numbers its messages afresh: after `DutStarted`, a Message ID it used in
/// its previous life is a new message, not a retransmission to replay the old answer to.
#[test]
fn a_restarted_dut_may_reuse_a_message_id() {
    let steps = r#"
  - expect: { as: first, method: POST, path: /rd, within: startup }
  - respond: { to: first, code: "2.01", location: "/rd/a" }
  - expect: { as: second, method: POST, path: /rd, within: startup }
  - respond: { to: second, code: "2.01", location: "/rd/b" }
"#;
    let mut e = Engine::new(client_case("REG-X", steps), setup(), Duration::ZERO);
    feed(&mut e, ms(10), register(0x100));
    assert!(sent(&mut e).iter().any(|m| m.code == Code::CREATED));
    // Without a restart the same Message ID is a retransmission: the first answer again.
    feed(&mut e, ms(20), register(0x100));
    let replayed = sent(&mut e);
    assert_eq!(replayed.len(), 1);
    assert!(e.outcome().is_none(), "a retransmission is not the second Register");
    e.handle(ms(30), Event::DutStarted);
    feed(&mut e, ms(40), register(0x100));
    let outcome = e.outcome().expect("finished");
    assert_eq!(outcome.judgement, Judgement::Pass, "{outcome:?}");
}
