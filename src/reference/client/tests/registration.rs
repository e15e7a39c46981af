//! Register, Update, De-register and the "ignore until registered" rule.

use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::{LIFETIME, Rig, client_snapshot, lines, text};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn register_has_the_exact_lwm2m_1_0_shape() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    assert_eq!((reg.mtype, reg.code), (MessageType::Confirmable, Code::POST));
    assert_eq!(reg.uri_path(), "/rd");
    let q: Vec<(String, Option<String>)> = reg.uri_query();
    let want = [("ep", "urn:dev:ref-1"), ("lt", "300"), ("lwm2m", "1.0"), ("b", "U")];
    assert_eq!(q, want.map(|(k, v)| (k.to_string(), Some(v.to_string()))));
    assert_eq!(reg.content_format(), Some(40));
    assert_eq!(text(&reg), "</1/0>,</3/0>");
    assert!(!rig.core.is_registered());
    client_snapshot!("register", lines(&reg));
}

#[test]
fn register_is_retransmitted_then_retried_after_a_back_off() {
    let mut rig = Rig::new(&[]);
    let first = rig.expect_one();
    let mut copies = 0;
    // RFC 7252: 4 retransmissions, the last exchange ends before MAX_TRANSMIT_WAIT (93 s).
    for _ in 0..93 {
        rig.advance(secs(1));
        for m in rig.sent() {
            assert_eq!(m.mid, first.mid, "a retransmission reuses the Message ID");
            copies += 1;
        }
    }
    assert_eq!(copies, 4, "MAX_RETRANSMIT");
    let mut retry = None;
    for _ in 0..20 {
        rig.advance(secs(1));
        if let Some(m) = rig.sent().pop() {
            retry = Some(m);
            break;
        }
    }
    let retry = retry.expect("a new Register after the back-off");
    assert_eq!((retry.code, retry.uri_path()), (Code::POST, "/rd".to_string()));
    assert_ne!(retry.mid, first.mid);
    assert!(!rig.core.is_done());
}

#[test]
fn separate_response_is_acknowledged_and_registers() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    rig.deliver(&Message::new(
        MessageType::Acknowledgement,
        Code::EMPTY,
        reg.mid,
        vec![],
    ));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(30));
    assert_eq!(rig.sent(), vec![], "no retransmission after the empty ACK");
    let mut created = Message::new(MessageType::Confirmable, Code::CREATED, 0x4321, reg.token.clone());
    created.set_location_path("/rd/sep");
    rig.deliver(&created);
    let ack = rig.expect_one();
    assert_eq!(
        (ack.mtype, ack.code, ack.mid),
        (MessageType::Acknowledgement, Code::EMPTY, 0x4321)
    );
    assert_eq!(rig.core.location().as_deref(), Some("/rd/sep"));
    // The server retransmits its response (our ACK was lost): ACK it again, nothing else.
    rig.deliver(&created);
    assert_eq!(rig.expect_one(), ack);
}

#[test]
fn unexpected_confirmable_response_is_reset() {
    let mut rig = Rig::registered();
    rig.deliver(&Message::new(
        MessageType::Confirmable,
        Code::CONTENT,
        0x1111,
        vec![9, 9],
    ));
    let rst = rig.expect_one();
    assert_eq!(
        (rst.mtype, rst.code, rst.mid),
        (MessageType::Reset, Code::EMPTY, 0x1111)
    );
}

#[test]
fn rejected_register_is_retried_after_a_back_off() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    rig.answer(&reg, Code::BAD_REQUEST, |_| {});
    rig.advance(secs(9));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(1));
    let again = rig.expect_one();
    assert_eq!(again.uri_path(), "/rd");
    // 2.01 without a Location-Path leaves nothing to Update or De-register: also a failure,
    // and the back-off doubles.
    rig.answer(&again, Code::CREATED, |_| {});
    assert!(!rig.core.is_registered());
    rig.advance(secs(19));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(1));
    assert_eq!(rig.expect_one().uri_path(), "/rd");
}

#[test]
fn update_goes_to_the_location_when_triggered() {
    let mut rig = Rig::registered();
    let mut req = rig.request(MessageType::Confirmable, Code::POST, "/1/0/8");
    req.payload.clear();
    rig.deliver(&req);
    let sent = rig.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!((sent[0].code, sent[0].mid), (Code::CHANGED, req.mid), "2.04 first");
    let update = &sent[1];
    assert_eq!((update.mtype, update.code), (MessageType::Confirmable, Code::POST));
    assert_eq!(update.uri_path(), "/rd/x");
    assert_eq!(update.uri_query(), vec![], "nothing changed: no lt, no b");
    assert!(update.payload.is_empty() && update.content_format().is_none());
    client_snapshot!("update_triggered", lines(update));
    rig.answer(update, Code::CHANGED, |_| {});
    assert_eq!(rig.sent(), vec![]);
    assert!(rig.core.is_registered());
}

#[test]
fn update_is_sent_every_half_lifetime() {
    let mut rig = Rig::registered();
    rig.advance(secs(u64::from(LIFETIME) / 2 - 1));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(1));
    let update = rig.expect_one();
    assert_eq!((update.code, update.uri_path()), (Code::POST, "/rd/x".to_string()));
    rig.answer(&update, Code::CHANGED, |_| {});
    rig.advance(secs(u64::from(LIFETIME) / 2));
    assert_eq!(rig.expect_one().uri_path(), "/rd/x");
}

#[test]
fn writing_the_lifetime_sends_an_update_with_lt() {
    let mut rig = Rig::registered();
    let resp = rig.call(Code::PUT, "/1/0/1", |m| {
        m.add_uint_option(option::CONTENT_FORMAT, 0);
        m.payload = b"120".to_vec();
    });
    assert_eq!(resp.code, Code::CHANGED);
    let update = rig.expect_one();
    assert_eq!(update.uri_path(), "/rd/x");
    assert_eq!(update.uri_query(), vec![("lt".to_string(), Some("120".to_string()))]);
    assert!(update.payload.is_empty());
    rig.answer(&update, Code::CHANGED, |_| {});
    assert_eq!(text(&rig.get("/1/0/1", None)), "120");
    // The new lifetime also sets the Update period.
    rig.advance(secs(60));
    let next = rig.expect_one();
    assert_eq!(next.uri_query(), vec![], "lt is known to the server now");
}

#[test]
fn create_and_delete_send_an_update_with_the_object_list() {
    let mut rig = Rig::registered();
    let records = [
        Record::new(Path::resource(1, 5, 0), Value::Integer(2)),
        Record::new(Path::resource(1, 5, 1), Value::Integer(60)),
        Record::new(Path::resource(1, 5, 6), Value::Boolean(false)),
        Record::new(Path::resource(1, 5, 7), Value::String("U".into())),
    ];
    let payload = crate::lwm2m::encode(ContentFormat::TLV, &Path::object(1), &records).expect("encodes");
    let resp = rig.call(Code::POST, "/1", |m| {
        m.add_uint_option(option::CONTENT_FORMAT, 11542);
        m.payload = payload;
    });
    assert_eq!(resp.code, Code::CREATED);
    assert_eq!(resp.location_path().as_deref(), Some("/1/5"));
    let update = rig.expect_one();
    assert_eq!(update.content_format(), Some(40));
    assert_eq!(text(&update), "</1/0>,</1/5>,</3/0>");
    rig.answer(&update, Code::CHANGED, |_| {});
    assert_eq!(rig.call(Code::DELETE, "/1/5", |_| {}).code, Code::DELETED);
    assert_eq!(text(&rig.expect_one()), "</1/0>,</3/0>");
}

#[test]
fn failed_update_registers_again() {
    let mut rig = Rig::registered();
    rig.advance(secs(150));
    let update = rig.expect_one();
    rig.answer(&update, Code::NOT_FOUND, |_| {});
    let reg = rig.expect_one();
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    assert!(!rig.core.is_registered());
}

#[test]
fn shutdown_deregisters_from_the_location() {
    let mut rig = Rig::registered();
    rig.core.shutdown(rig.now);
    let delete = rig.expect_one();
    assert_eq!((delete.mtype, delete.code), (MessageType::Confirmable, Code::DELETE));
    assert_eq!(delete.uri_path(), "/rd/x");
    client_snapshot!("deregister", lines(&delete));
    assert!(!rig.core.is_done(), "waits for the answer");
    rig.answer(&delete, Code::DELETED, |_| {});
    assert!(rig.core.is_done());
}

#[test]
fn deregister_waits_at_most_two_seconds() {
    let mut rig = Rig::registered();
    rig.core.shutdown(rig.now);
    let _delete = rig.expect_one();
    rig.advance(Duration::from_millis(1900));
    assert!(!rig.core.is_done());
    rig.advance(Duration::from_millis(100));
    assert!(rig.core.is_done());
}

#[test]
fn shutdown_waits_for_a_register_in_flight_then_deregisters() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    rig.core.shutdown(rig.now);
    assert!(!rig.core.is_done(), "its 2.01 may be on the way");
    rig.advance(Duration::from_millis(500));
    rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/late"));
    let delete = rig.expect_one();
    assert_eq!((delete.code, delete.uri_path()), (Code::DELETE, "/rd/late".to_string()));
    assert!(!rig.core.is_registered(), "requests are no longer answered");
    rig.answer(&delete, Code::DELETED, |_| {});
    assert!(rig.core.is_done());
}

#[test]
fn shutdown_with_an_unanswered_register_ends_within_two_seconds() {
    let mut rig = Rig::new(&[]);
    let _reg = rig.expect_one();
    rig.core.shutdown(rig.now);
    rig.advance(Duration::from_millis(1999));
    assert!(!rig.core.is_done());
    rig.advance(Duration::from_millis(1));
    assert!(rig.core.is_done());
    rig.advance(secs(10));
    assert_eq!(rig.sent(), vec![], "no Register retransmission after stopping");
}

#[test]
fn shutdown_between_register_attempts_ends_at_once() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    rig.answer(&reg, Code::BAD_REQUEST, |_| {});
    rig.core.shutdown(rig.now);
    assert!(rig.core.is_done());
    rig.advance(secs(30));
    assert_eq!(rig.sent(), vec![]);
}

#[test]
fn reboot_answers_then_registers_again() {
    let mut rig = Rig::registered();
    let req = rig.request(MessageType::Confirmable, Code::POST, "/3/0/4");
    rig.deliver(&req);
    let sent = rig.sent();
    assert_eq!(sent.len(), 2, "{sent:#?}");
    assert_eq!(sent[0].code, Code::CHANGED);
    assert_eq!((sent[1].code, sent[1].uri_path()), (Code::POST, "/rd".to_string()));
    assert!(!rig.core.is_registered());
    // Like a fresh start: requests are ignored until the new Register is acknowledged.
    let read = rig.request(MessageType::Confirmable, Code::GET, "/3/0/0");
    rig.deliver(&read);
    assert_eq!(rig.sent(), vec![]);
    // A retransmitted Execute gets the cached 2.04; it does not reboot twice.
    rig.deliver(&req);
    assert_eq!(rig.expect_one().code, Code::CHANGED);
}

#[test]
fn requests_before_the_registration_ack_are_ignored() {
    let mut rig = Rig::new(&[]);
    let reg = rig.expect_one();
    let read = rig.request(MessageType::Confirmable, Code::GET, "/3/0");
    let non = rig.request(MessageType::NonConfirmable, Code::GET, "/3/0/0");
    let mut observe = rig.request(MessageType::Confirmable, Code::GET, "/3/0/13");
    observe.add_uint_option(option::OBSERVE, 0);
    let write = rig.request(MessageType::Confirmable, Code::PUT, "/1/0/1");
    for m in [&read, &non, &observe, &write] {
        rig.deliver(m);
        assert_eq!(rig.sent(), vec![], "not even an empty ACK for {m}");
    }
    rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/x"));
    // A retransmission of an ignored request stays ignored.
    rig.deliver(&read);
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(5));
    assert_eq!(rig.sent(), vec![], "no late answer, no notification");
    assert_eq!(rig.get("/3/0", None).code, Code::CONTENT);
}

#[test]
fn without_retries_an_unanswered_register_stays_silent_until_the_back_off() {
    let mut rig = Rig::new(&[crate::reference::client::Fault::RegNoRegisterRetry]);
    let first = rig.expect_one();
    assert_eq!(first.uri_path(), "/rd");
    // The conformant client retransmits within 3 s (see above); the faulty one sends nothing for
    // the whole exchange lifetime of the first attempt.
    for _ in 0..60 {
        rig.advance(secs(1));
        assert!(rig.sent().is_empty(), "no retransmission of the Register");
    }
}
