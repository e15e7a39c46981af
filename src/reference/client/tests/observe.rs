//! The Information Reporting interface: Observe, notifications under pmin / pmax / st, and
//! Cancel Observation by RST and by Observe 1.

use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};

use super::{Rig, UNIX_AT_EPOCH, server_instance_senml, text};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn observe_req(rig: &mut Rig, path: &str) -> Message {
    let mut req = rig.request(MessageType::Confirmable, Code::GET, path);
    req.add_uint_option(option::OBSERVE, 0);
    req
}

/// Observes `path`; returns the request (for its token) and the 2.05.
fn observe(rig: &mut Rig, path: &str) -> (Message, Message) {
    let req = observe_req(rig, path);
    rig.deliver(&req);
    let resp = rig.expect_one();
    assert_eq!(
        (resp.mtype, resp.mid, resp.code),
        (MessageType::Acknowledgement, req.mid, Code::CONTENT)
    );
    assert!(resp.observe().is_some(), "the 2.05 carries an Observe option");
    (req, resp)
}

fn ack(rig: &mut Rig, n: &Message) {
    rig.deliver(&Message::new(MessageType::Acknowledgement, Code::EMPTY, n.mid, vec![]));
}

/// Advances one second at a time until something is sent; returns it and the seconds waited.
fn next_notification(rig: &mut Rig, max_secs: u64) -> Option<(u64, Message)> {
    for waited in 1..=max_secs {
        rig.advance(secs(1));
        if let Some(m) = rig.sent().pop() {
            return Some((waited, m));
        }
    }
    None
}

fn write_attributes(rig: &mut Rig, path: &str, query: &[(&str, &str)]) {
    let q: Vec<(String, Option<String>)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
    assert_eq!(rig.call(Code::PUT, path, |m| m.set_uri("", &q)).code, Code::CHANGED);
}

#[test]
fn current_time_notifies_every_second_until_reset() {
    let mut rig = Rig::registered();
    let (req, resp) = observe(&mut rig, "/3/0/13");
    assert_eq!(
        (resp.content_format(), text(&resp)),
        (Some(0), UNIX_AT_EPOCH.to_string())
    );
    let mut last_seq = resp.observe().unwrap_or_default();
    for n in 1..=3 {
        let (waited, note) = next_notification(&mut rig, 2).expect("a notification");
        assert_eq!(waited, 1);
        assert_eq!(
            (note.mtype, note.code, &note.token),
            (MessageType::Confirmable, Code::CONTENT, &req.token)
        );
        assert_eq!(note.content_format(), Some(0));
        assert_eq!(text(&note), (UNIX_AT_EPOCH + n).to_string());
        let seq = note.observe().expect("Observe option");
        assert!(seq > last_seq, "Observe values increase");
        last_seq = seq;
        if n < 3 {
            ack(&mut rig, &note);
        } else {
            rig.deliver(&Message::new(MessageType::Reset, Code::EMPTY, note.mid, vec![]));
        }
    }
    assert_eq!(next_notification(&mut rig, 5), None, "RST cancelled the observation");
}

#[test]
fn observe_1_cancels_and_is_answered_like_a_read() {
    let mut rig = Rig::registered();
    let (req, _) = observe(&mut rig, "/3/0/13");
    let (_, note) = next_notification(&mut rig, 2).expect("a notification");
    ack(&mut rig, &note);
    let mut cancel = rig.request(MessageType::Confirmable, Code::GET, "/3/0/13");
    cancel.token = req.token.clone();
    cancel.add_uint_option(option::OBSERVE, 1);
    rig.deliver(&cancel);
    let resp = rig.expect_one();
    assert_eq!((resp.code, resp.mid), (Code::CONTENT, cancel.mid));
    assert_eq!(resp.observe(), None);
    assert_eq!(next_notification(&mut rig, 5), None);
}

#[test]
fn pmax_forces_and_pmin_delays_notifications() {
    let mut rig = Rig::registered();
    write_attributes(&mut rig, "/1/0/2", &[("pmin", "3"), ("pmax", "5")]);
    let (_, resp) = observe(&mut rig, "/1/0/2");
    assert_eq!(text(&resp), "0");
    let (waited, note) = next_notification(&mut rig, 10).expect("pmax notification");
    assert_eq!(
        (waited, text(&note)),
        (5, "0".to_string()),
        "unchanged value after pmax"
    );
    ack(&mut rig, &note);
    // A change one second later waits until pmin (3 s) has passed since the last one.
    rig.advance(secs(1));
    let resp = rig.call(Code::PUT, "/1/0/2", |m| m.payload = b"4".to_vec());
    assert_eq!(resp.code, Code::CHANGED);
    assert_eq!(rig.sent(), vec![]);
    let (waited, note) = next_notification(&mut rig, 10).expect("pmin notification");
    assert_eq!((waited, text(&note)), (2, "4".to_string()));
}

#[test]
fn instance_observation_reports_a_write_at_once_in_tlv() {
    let mut rig = Rig::registered();
    let (req, resp) = observe(&mut rig, "/1/0");
    assert_eq!(resp.content_format(), Some(11542));
    let resp = rig.call(Code::PUT, "/1/0/6", |m| m.payload = b"1".to_vec());
    assert_eq!(resp.code, Code::CHANGED);
    let note = rig.expect_one();
    assert_eq!(
        (note.code, &note.token, note.content_format()),
        (Code::CONTENT, &req.token, Some(11542))
    );
    // No ACK yet: the next change waits for it (one CON notification in flight).
    let _ = rig.call(Code::PUT, "/1/0/6", |m| m.payload = b"0".to_vec());
    assert_eq!(rig.sent(), vec![]);
    ack(&mut rig, &note);
    let next = rig.expect_one();
    assert_ne!(next.payload, note.payload);
}

#[test]
fn step_filters_small_changes() {
    let mut rig = Rig::registered();
    write_attributes(&mut rig, "/3/0/13", &[("st", "3")]);
    let _ = observe(&mut rig, "/3/0/13");
    let (waited, note) = next_notification(&mut rig, 10).expect("a notification");
    assert_eq!((waited, text(&note)), (3, (UNIX_AT_EPOCH + 3).to_string()));
}

#[test]
fn unacknowledged_notification_ends_the_observation() {
    let mut rig = Rig::registered();
    let _ = observe(&mut rig, "/3/0/13");
    let (_, first) = next_notification(&mut rig, 2).expect("a notification");
    // Never acknowledged: retransmitted with its Message ID, then given up.
    let mut mids = vec![];
    for _ in 0..100 {
        rig.advance(secs(1));
        mids.extend(rig.sent().into_iter().map(|m| m.mid));
    }
    assert_eq!(mids, vec![first.mid; 4], "only retransmissions, then nothing");
}

#[test]
fn deleting_the_target_sends_a_final_4_04() {
    let mut rig = Rig::registered();
    let senml = server_instance_senml(4);
    let created = rig.call(Code::POST, "/1", |m| {
        m.add_uint_option(option::CONTENT_FORMAT, 110);
        m.payload = senml.clone();
    });
    assert_eq!(created.code, Code::CREATED);
    let _ = rig.sent(); // the Update
    let (req, _) = observe(&mut rig, "/1/4");
    assert_eq!(rig.call(Code::DELETE, "/1/4", |_| {}).code, Code::DELETED);
    let sent = rig.sent();
    let gone = sent
        .iter()
        .find(|m| m.token == req.token)
        .expect("a final notification");
    assert_eq!(
        (gone.mtype, gone.code, gone.observe()),
        (MessageType::Confirmable, Code::NOT_FOUND, None)
    );
}

#[test]
fn observing_what_cannot_be_read_establishes_nothing() {
    let mut rig = Rig::registered();
    for (path, code) in [
        ("/3/0/4", Code::METHOD_NOT_ALLOWED),
        ("/3/0/99", Code::NOT_FOUND),
        ("/0/0", Code::NOT_FOUND),
    ] {
        let req = observe_req(&mut rig, path);
        rig.deliver(&req);
        let resp = rig.expect_one();
        assert_eq!((resp.code, resp.observe()), (code, None), "{path}");
    }
    assert_eq!(next_notification(&mut rig, 3), None);
}
