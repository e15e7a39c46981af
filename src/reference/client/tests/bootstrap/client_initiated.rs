//! Client Initiated Bootstrap: Bootstrap-Request, the sequence, and the fresh start after it.

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::super::super::bootstrap::{FIRST_BACKOFF, REBOOTSTRAP_DELAY, SEQUENCE_IDLE_LIMIT};
use super::super::lines;
use super::{DeviceRig, ENDPOINT, bootstrap_snapshot, bs, s1, s2, secs};

#[test]
fn bootstrap_request_has_the_1_0_shape() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let req = rig.expect_one(bs());
    assert_eq!((req.mtype, req.code), (MessageType::Confirmable, Code::POST));
    assert_eq!(req.uri_path(), "/bs");
    assert_eq!(req.uri_query(), vec![("ep".to_string(), Some(ENDPOINT.to_string()))]);
    assert!(req.payload.is_empty());
    assert!(rig.device.is_bootstrapping(), "the sequence starts with the request");
    bootstrap_snapshot!("bootstrap_request", lines(&req));
}

#[test]
fn whole_sequence_registers_with_each_server() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let mut transcript = vec!["-- start".to_string()];
    let req = rig.accept_bootstrap_request();
    transcript.extend(lines(&req).into_iter().map(|l| format!("BS: {l}")));
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    rig.provision(1, s1(), 120);
    rig.provision(2, s2(), 60);
    assert_eq!(rig.sent(), vec![], "nothing but answers during the sequence");
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    assert!(!rig.device.is_bootstrapping());

    let sent = rig.sent();
    assert_eq!(sent.len(), 2, "one Register per server: {sent:#?}");
    let to: Vec<_> = sent.iter().map(|(to, _)| *to).collect();
    assert_eq!(to, vec![s1(), s2()]);
    for ((_, reg), lt) in sent.iter().zip(["120", "60"]) {
        assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
        let q = reg.uri_query();
        assert!(q.contains(&("ep".into(), Some(ENDPOINT.into()))), "{q:?}");
        assert!(q.contains(&("lt".into(), Some(lt.into()))), "{q:?}");
        assert_eq!(reg.payload, b"</1/0>,</1/1>,</3/0>");
    }
    transcript.push("-- after Bootstrap-Finish".into());
    for (to, m) in &sent {
        let name = super::peer_name(*to);
        transcript.extend(lines(m).into_iter().map(|l| format!("{name}: {l}")));
    }
    rig.answer_registrations(&sent);
    let regs = rig.device.registrations();
    assert_eq!(regs, vec![(s1(), Some("/rd/s1".into())), (s2(), Some("/rd/s2".into()))]);
    // Each registration is its own: a Read from S2 is answered to S2.
    let read = rig.request(Code::GET, "/1/1/1");
    let resp = rig.call(s2(), &read).expect("a registered server is answered");
    assert_eq!((resp.code, resp.payload.as_slice()), (Code::CONTENT, &b"60"[..]));
    bootstrap_snapshot!("client_initiated_two_servers", transcript);

    // SIGTERM: a De-register to each.
    rig.device.shutdown(rig.now);
    let dereg = rig.sent();
    let paths: Vec<_> = dereg.iter().map(|(to, m)| (*to, m.code, m.uri_path())).collect();
    assert_eq!(
        paths,
        vec![
            (s1(), Code::DELETE, "/rd/s1".to_string()),
            (s2(), Code::DELETE, "/rd/s2".to_string())
        ]
    );
    rig.advance(secs(3));
    assert!(rig.device.is_done(), "De-register is bounded");
}

#[test]
fn delete_root_keeps_the_bootstrap_account_and_asks_again_when_left_without_server() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    assert!(rig.device.store().has_bootstrap_account());
    assert_eq!(rig.device.store().instances(1).map(|m| m.len()), Ok(0));
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    assert_eq!(rig.sent(), vec![], "no server to register with");
    rig.advance(REBOOTSTRAP_DELAY - secs(1));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(1));
    let again = rig.expect_one(bs());
    assert_eq!((again.code, again.uri_path()), (Code::POST, "/bs".to_string()));
}

#[test]
fn write_creates_missing_instances_whatever_the_access_rights() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    // Short Server ID is read-only for an LwM2M Server, and /1/7 does not exist.
    let ssid = [Record::new(Path::resource(1, 7, 0), Value::Integer(9))];
    assert_eq!(rig.bs_write("/1/7/0", ContentFormat::TEXT, &ssid), Code::CHANGED);
    let store = rig.device.store();
    let inst = store.instance(1, 7).expect("created");
    assert_eq!(
        inst.len(),
        2,
        "the written resource and the Registration Update Trigger"
    );
    // A whole object in one TLV: instances of Security, none of which existed.
    let mut records = super::security_records(3, 3, s1());
    records.extend(super::security_records(4, 4, s2()));
    assert_eq!(rig.bs_write("/0", ContentFormat::TLV, &records), Code::CHANGED);
    // A resource of an existing instance is replaced, the others kept.
    let lt = [Record::new(Path::resource(1, 7, 1), Value::Integer(33))];
    assert_eq!(rig.bs_write("/1/7/1", ContentFormat::TLV, &lt), Code::CHANGED);
    let read = crate::reference::client::dm::read(rig.device.store(), &Path::instance(1, 7), None);
    let records = read.map(|(_, r, _)| r).expect("readable");
    assert_eq!(
        records,
        vec![
            Record::new(Path::resource(1, 7, 0), Value::Integer(9)),
            Record::new(Path::resource(1, 7, 1), Value::Integer(33))
        ]
    );
}

#[test]
fn bootstrap_delete_answers() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    rig.provision(1, s1(), 120);
    assert_eq!(rig.bs_delete("/0/0"), Code::BAD_REQUEST, "the Bootstrap-Server Account");
    assert_eq!(
        rig.bs_delete("/3/0"),
        Code::BAD_REQUEST,
        "the Device is not configuration"
    );
    assert_eq!(rig.bs_delete("/1/0/1"), Code::BAD_REQUEST, "a Resource");
    assert_eq!(rig.bs_delete("/1/9"), Code::DELETED, "already gone");
    assert_eq!(rig.bs_delete("/0"), Code::DELETED);
    assert!(rig.device.store().has_bootstrap_account());
    assert_eq!(rig.device.store().server_accounts(), vec![]);
    assert_eq!(rig.bs_delete("/1/0"), Code::DELETED);
    assert_eq!(rig.device.store().instances(1).map(|m| m.len()), Ok(0));
}

#[test]
fn write_answers_by_content_format() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    let mut req = rig.request(Code::PUT, "/1/0");
    req.add_uint_option(option::CONTENT_FORMAT, 50); // application/json: not LwM2M 1.0
    req.payload = b"{}".to_vec();
    assert_eq!(rig.call(bs(), &req).map(|r| r.code), Some(Code(0x8f)), "4.15");
    let mut req = rig.request(Code::PUT, "/1/0");
    req.payload = b"120".to_vec(); // text/plain names no resource
    assert_eq!(rig.call(bs(), &req).map(|r| r.code), Some(Code::BAD_REQUEST));
    let mut req = rig.request(Code::PUT, "/1/0/1");
    req.payload = b"120".to_vec();
    assert_eq!(
        rig.call(bs(), &req).map(|r| r.code),
        Some(Code::CHANGED),
        "text/plain by default"
    );
    let mut req = rig.request(Code::PUT, "/1/0/7");
    req.payload = b"UQ".to_vec();
    assert_eq!(
        rig.call(bs(), &req).map(|r| r.code),
        Some(Code::BAD_REQUEST),
        "binding not supported"
    );
    let dev = [Record::new(Path::resource(3, 0, 14), Value::String("+01".into()))];
    assert_eq!(
        rig.bs_write("/3/0/14", ContentFormat::TLV, &dev),
        Code::BAD_REQUEST,
        "not provisioned"
    );
}

#[test]
fn requests_not_related_to_bootstrap_are_ignored_until_finish() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let req = rig.expect_one(bs());
    let read = rig.request(Code::GET, "/3/0/0");
    assert_eq!(rig.call(bs(), &read), None, "before the 2.04");
    rig.answer(bs(), &req, Code::CHANGED, |_| {});
    let read = rig.request(Code::GET, "/3/0/0");
    assert_eq!(rig.call(bs(), &read), None, "a Read from the Bootstrap-Server");
    let read = rig.request(Code::GET, "/3/0");
    assert_eq!(rig.call(s1(), &read), None, "a Read from a server not written yet");
    rig.provision(1, s1(), 120);
    let read = rig.request(Code::GET, "/3/0/0");
    assert_eq!(rig.call(s1(), &read), None, "a Read from a server just written");
    let mut observe = rig.request(Code::GET, "/3/0/13");
    observe.add_uint_option(option::OBSERVE, 0);
    assert_eq!(rig.call(s1(), &observe), None, "an Observe");
    assert_eq!(rig.sent(), vec![]);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let sent = rig.sent();
    rig.answer_registrations(&sent);
    let read = rig.request(Code::GET, "/3/0/0");
    let resp = rig.call(s1(), &read).expect("answered once registered");
    assert_eq!(resp.code, Code::CONTENT);
}

#[test]
fn bootstrap_request_is_retransmitted_then_retried_after_a_back_off() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let first = rig.expect_one(bs());
    // RFC 7252: 4 retransmissions, given up within MAX_TRANSMIT_WAIT (93 s); then the back-off.
    let mut sent = Vec::new();
    for _ in 0..(93 + FIRST_BACKOFF.as_secs()) {
        rig.advance(secs(1));
        sent.extend(rig.sent().into_iter().map(|(_, m)| (rig.now, m)));
    }
    let copies = sent.iter().take_while(|(_, m)| m.mid == first.mid).count();
    assert_eq!(copies, 4, "MAX_RETRANSMIT");
    let (at, retry) = &sent[4];
    assert!(*at >= sent[3].0 + FIRST_BACKOFF, "after the back-off");
    assert_eq!(retry.uri_path(), "/bs");
    assert_ne!(retry.mid, first.mid);
    let retry = retry.clone();
    // An error answer is a failure too: the next try comes after a longer back-off.
    rig.answer(bs(), &retry, Code::BAD_REQUEST, |_| {});
    rig.advance(FIRST_BACKOFF);
    assert_eq!(rig.sent(), vec![]);
    rig.advance(FIRST_BACKOFF);
    assert_eq!(rig.expect_one(bs()).uri_path(), "/bs");
}

#[test]
fn a_write_before_the_2_04_stands_for_it() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let req = rig.expect_one(bs());
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    rig.advance(secs(60));
    assert_eq!(rig.sent(), vec![], "no retransmission of the Bootstrap-Request");
    // The late 2.04 is stale and changes nothing.
    rig.answer(bs(), &req, Code::CHANGED, |_| {});
    assert!(rig.device.is_bootstrapping());
}

#[test]
fn separate_response_to_the_request_is_acknowledged() {
    let mut rig = DeviceRig::client_initiated(&[]);
    let req = rig.expect_one(bs());
    rig.answer(bs(), &req, Code::EMPTY, |_| {});
    rig.advance(secs(30));
    assert_eq!(rig.sent(), vec![]);
    let changed = Message::new(MessageType::Confirmable, Code::CHANGED, 0x4444, req.token.clone());
    rig.deliver(bs(), &changed);
    let ack = rig.expect_one(bs());
    assert_eq!(
        (ack.mtype, ack.code, ack.mid),
        (MessageType::Acknowledgement, Code::EMPTY, 0x4444)
    );
    assert_eq!(rig.bs_finish(), Code::CHANGED);
}

#[test]
fn a_retransmitted_finish_is_answered_again_not_carried_out_again() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    rig.provision(1, s1(), 120);
    let finish = rig.request(Code::POST, "/bs");
    let first = rig.call(bs(), &finish).expect("answered");
    let register = rig.sent();
    assert_eq!(register.len(), 1);
    let again = rig.call(bs(), &finish).expect("answered again");
    assert_eq!(again, first);
    assert_eq!(rig.sent(), vec![], "no second Register");
}

#[test]
fn a_silent_bootstrap_server_is_asked_again() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    rig.advance(SEQUENCE_IDLE_LIMIT - secs(1));
    assert_eq!(rig.sent(), vec![]);
    rig.advance(secs(1));
    assert_eq!(rig.expect_one(bs()).uri_path(), "/bs");
}

#[test]
fn shutdown_during_the_sequence_is_immediate() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    rig.device.shutdown(rig.now);
    assert!(rig.device.is_done());
    assert_eq!(rig.device.poll_timeout(), None);
}

/// The accounts as the harness's cases write them: Security without keys, Server without the
/// optional resources, in instances 1 (the Bootstrap-Server Account is /0/0).
#[test]
fn minimal_accounts_as_the_harness_writes_them() {
    let mut rig = DeviceRig::client_initiated(&[]);
    rig.accept_bootstrap_request();
    let sec = [
        Record::new(Path::resource(0, 1, 0), Value::String(format!("coap://{}", s1()))),
        Record::new(Path::resource(0, 1, 1), Value::Boolean(false)),
        Record::new(Path::resource(0, 1, 2), Value::Integer(3)),
        Record::new(Path::resource(0, 1, 10), Value::Integer(1)),
    ];
    assert_eq!(rig.bs_write("/0/1", ContentFormat::TLV, &sec), Code::CHANGED);
    let srv = super::server_records(1, 1, 300);
    assert_eq!(rig.bs_write("/1/1", ContentFormat::TLV, &srv), Code::CHANGED);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let reg = rig.expect_one(s1());
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    assert!(rig.device.store().has_bootstrap_account());
}
