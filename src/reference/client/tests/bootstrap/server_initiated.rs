//! Server Initiated Bootstrap: the LwM2M Server is ignored while the Bootstrap-Server writes,
//! and the client starts fresh after Bootstrap-Finish.

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::super::super::DeviceConfig;
use super::{DeviceRig, bootstrap_snapshot, bs, s1, s2, secs};

fn lifetime_90() -> [Record; 1] {
    [Record::new(Path::resource(1, 0, 1), Value::Integer(90))]
}

#[test]
fn the_server_is_ignored_during_the_sequence_then_registered_afresh() {
    let mut rig = DeviceRig::server_initiated(&[]);
    let mut transcript = Vec::new();
    // An observation of Current Time, which changes every second.
    let mut observe = rig.request(Code::GET, "/3/0/13");
    observe.add_uint_option(option::OBSERVE, 0);
    let first = rig.call(s1(), &observe).expect("registered: answered");
    assert_eq!(first.code, Code::CONTENT);
    rig.advance(secs(1));
    let notification = rig.expect_one(s1());
    assert_eq!(notification.token, observe.token);
    rig.answer(s1(), &notification, Code::EMPTY, |_| {});

    // The sequence begins with the first Bootstrap Write.
    assert_eq!(
        rig.bs_write("/1/0/1", ContentFormat::TEXT, &lifetime_90()),
        Code::CHANGED
    );
    assert!(rig.device.is_bootstrapping());
    let read = rig.request(Code::GET, "/3/0/0");
    assert_eq!(rig.call(s1(), &read), None, "Device Management is ignored");
    let mut observe2 = rig.request(Code::GET, "/3/0/1");
    observe2.add_uint_option(option::OBSERVE, 0);
    assert_eq!(rig.call(s1(), &observe2), None, "Information Reporting is ignored");
    // Longer than the Lifetime, within SEQUENCE_IDLE_LIMIT.
    rig.advance(secs(200));
    assert_eq!(
        rig.sent(),
        vec![],
        "no notification, Update or retransmission meanwhile"
    );

    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let sent = rig.sent();
    assert_eq!(sent.len(), 1, "{sent:#?}");
    let (to, reg) = &sent[0];
    transcript.extend(super::super::lines(reg));
    assert_eq!((*to, reg.code, reg.uri_path()), (s1(), Code::POST, "/rd".to_string()));
    assert!(reg.uri_query().contains(&("lt".into(), Some("90".into()))));
    rig.answer(s1(), reg, Code::CREATED, |r| r.set_location_path("/rd/new"));
    assert_eq!(rig.device.registrations(), vec![(s1(), Some("/rd/new".into()))]);
    rig.advance(secs(5));
    assert_eq!(rig.sent(), vec![], "the old observation is forgotten");
    bootstrap_snapshot!("server_initiated_fresh_register", transcript);
}

#[test]
fn bootstrap_can_add_a_second_server() {
    let mut rig = DeviceRig::server_initiated(&[]);
    rig.provision(2, s2(), 60);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let sent = rig.sent();
    let to: Vec<_> = sent.iter().map(|(to, m)| (*to, m.uri_path())).collect();
    assert_eq!(to, vec![(s1(), "/rd".to_string()), (s2(), "/rd".to_string())]);
}

#[test]
fn no_bootstrap_request_in_server_initiated_mode() {
    let mut rig = DeviceRig::new(DeviceConfig {
        server_initiated: true,
        ..DeviceRig::config(&[])
    });
    rig.advance(secs(600));
    assert_eq!(rig.sent(), vec![]);
    assert!(!rig.device.is_bootstrapping());
    rig.provision(1, s1(), 120);
    assert!(rig.device.is_bootstrapping());
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    assert_eq!(rig.expect_one(s1()).uri_path(), "/rd");
    // Finished with no server: it waits for the Bootstrap-Server rather than asking.
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    rig.advance(secs(600));
    assert_eq!(rig.sent(), vec![]);
}

#[test]
fn bootstrap_messages_from_anyone_else_are_not_bootstrap() {
    let mut rig = DeviceRig::server_initiated(&[]);
    let stranger = std::net::SocketAddr::from(([127, 0, 0, 1], 5999));
    let mut put = rig.request(Code::PUT, "/1/0/1");
    put.payload = b"90".to_vec();
    assert_eq!(rig.call(stranger, &put), None);
    // From the LwM2M Server it is a Device Management Write.
    let resp = rig.call(s1(), &put).expect("answered");
    assert_eq!(resp.code, Code::CHANGED);
    assert!(!rig.device.is_bootstrapping());
    // A request from the Bootstrap-Server that is not bootstrap is ignored and starts nothing.
    let read = rig.request(Code::GET, "/3/0/0");
    assert_eq!(rig.call(bs(), &read), None);
    assert!(!rig.device.is_bootstrapping());
}

#[test]
fn a_silent_server_initiated_sequence_ends_as_if_finished() {
    let mut rig = DeviceRig::server_initiated(&[]);
    assert_eq!(
        rig.bs_write("/1/0/1", ContentFormat::TEXT, &lifetime_90()),
        Code::CHANGED
    );
    rig.advance(super::super::super::bootstrap::SEQUENCE_IDLE_LIMIT);
    let reg = rig.expect_one(s1());
    assert_eq!(reg.uri_path(), "/rd");
}

#[test]
fn shutdown_during_the_sequence_deregisters_the_old_registration() {
    let mut rig = DeviceRig::server_initiated(&[]);
    assert_eq!(
        rig.bs_write("/1/0/1", ContentFormat::TEXT, &lifetime_90()),
        Code::CHANGED
    );
    rig.device.shutdown(rig.now);
    let dereg = rig.expect_one(s1());
    assert_eq!((dereg.code, dereg.uri_path()), (Code::DELETE, "/rd/old".to_string()));
    rig.deliver(
        s1(),
        &Message::new(
            MessageType::Acknowledgement,
            Code::DELETED,
            dereg.mid,
            dereg.token.clone(),
        ),
    );
    assert!(rig.device.is_done());
}

/// As the harness's start-fresh case: the same server account written again into Security /0/1
/// (the factory account's instance once /0/0 is the Bootstrap-Server's) and Server /1/1.
#[test]
fn rewriting_the_same_account_still_gives_a_new_register() {
    let mut rig = DeviceRig::server_initiated(&[]);
    let sec = super::security_records(1, 1, s1());
    assert_eq!(rig.bs_write("/0/1", ContentFormat::TLV, &sec), Code::CHANGED);
    let srv = super::server_records(1, 1, 300);
    assert_eq!(rig.bs_write("/1/1", ContentFormat::TLV, &srv), Code::CHANGED);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let reg = rig.expect_one(s1());
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    assert!(
        rig.device.store().has_bootstrap_account(),
        "Security /0/0 was not touched"
    );
}
