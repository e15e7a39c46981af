//! LwM2M 1.1 Bootstrap-Request Trigger (Server resource 9): a registered client that also holds
//! a Bootstrap-Server Account initiates a Client Initiated Bootstrap when an LwM2M Server
//! executes it, and after Bootstrap-Finish starts fresh with the accounts the Bootstrap-Server
//! left: nothing more to an LwM2M Server whose account was deleted.

use std::net::SocketAddr;

use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::ContentFormat;

use super::super::super::{DeviceConfig, Fault, Version};
use super::{DeviceRig, bs, s1, s2, secs};

/// `--server S1 --bootstrap BS` (no `--server-initiated`), registered with S1 at /rd/old.
pub(crate) fn registered_with_bootstrap_account(faults: &[Fault], version: Version) -> DeviceRig {
    let mut rig = DeviceRig::new(DeviceConfig {
        server: Some(s1()),
        version,
        ..DeviceRig::config(faults)
    });
    let reg = rig.expect_one(s1());
    assert_eq!((reg.code, reg.uri_path()), (Code::POST, "/rd".to_string()));
    rig.answer(s1(), &reg, Code::CREATED, |r| r.set_location_path("/rd/old"));
    assert_eq!(rig.sent(), vec![], "nothing follows the 2.01");
    rig
}

/// S1 executes /1/0/9; returns the answer.
fn execute_trigger(rig: &mut DeviceRig) -> Message {
    let exec = rig.request(Code::POST, "/1/0/9");
    rig.call(s1(), &exec)
        .expect("a registered server's Execute is answered")
}

/// The trigger, then a Bootstrap-Server that deletes everything and writes one account for S2,
/// then Bootstrap-Finish; returns what the client sent after the Finish's answer.
fn rebootstrap_to_s2(rig: &mut DeviceRig) -> Vec<(SocketAddr, Message)> {
    let resp = execute_trigger(rig);
    assert_eq!(resp.code, Code::CHANGED);
    assert_eq!(rig.sent(), vec![], "the Bootstrap-Request waits for the next timeout");
    rig.advance(secs(0));
    rig.accept_bootstrap_request();
    assert!(rig.device.is_bootstrapping());
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    rig.provision(2, s2(), 120);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    rig.sent()
}

#[test]
fn executing_the_trigger_starts_a_client_initiated_bootstrap_after_its_answer() {
    let mut rig = registered_with_bootstrap_account(&[], Version::V1_1);
    let exec = rig.request(Code::POST, "/1/0/9");
    rig.deliver(s1(), &exec);
    let sent = rig.sent();
    assert_eq!(sent.len(), 1, "only the Execute's answer at once: {sent:#?}");
    let (to, resp) = &sent[0];
    assert_eq!(
        (*to, resp.mtype, resp.code),
        (s1(), MessageType::Acknowledgement, Code::CHANGED)
    );
    assert_eq!(rig.device.poll_timeout(), Some(rig.now), "the bootstrap is due now");
    rig.advance(secs(0));
    let req = rig.accept_bootstrap_request();
    assert!(req.uri_query().contains(&("ep".into(), Some(super::ENDPOINT.into()))));
}

#[test]
fn after_the_triggered_bootstrap_only_the_new_account_is_registered() {
    let mut rig = registered_with_bootstrap_account(&[], Version::V1_1);
    let sent = rebootstrap_to_s2(&mut rig);
    let to: Vec<_> = sent.iter().map(|(to, m)| (*to, m.code, m.uri_path())).collect();
    assert_eq!(to, vec![(s2(), Code::POST, "/rd".to_string())], "{sent:#?}");
    rig.answer_registrations(&sent);
    rig.advance(secs(30));
    assert_eq!(rig.sent(), vec![], "nothing more, to S1 least of all");
    assert_eq!(rig.device.registrations(), vec![(s2(), Some("/rd/s2".into()))]);
}

#[test]
fn the_fault_keeps_updating_the_deleted_account() {
    let mut rig = registered_with_bootstrap_account(&[Fault::BsKeepsDeletedServerRegistration], Version::V1_1);
    let sent = rebootstrap_to_s2(&mut rig);
    let to: Vec<_> = sent.iter().map(|(to, m)| (*to, m.code, m.uri_path())).collect();
    assert_eq!(
        to,
        vec![
            (s1(), Code::POST, "/rd/old".to_string()),
            (s2(), Code::POST, "/rd".to_string())
        ],
        "an Update of the old registration, and the Register with S2: {sent:#?}"
    );
}

#[test]
fn the_fault_needs_a_client_initiated_bootstrap() {
    // Server Initiated: the fault is silent, S1's account deleted or not (the existing
    // bs-no-fresh-start case judges that mode).
    let mut rig = DeviceRig::server_initiated(&[Fault::BsKeepsDeletedServerRegistration]);
    assert_eq!(rig.bs_delete("/"), Code::DELETED);
    rig.provision(2, s2(), 120);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let to: Vec<_> = rig.sent().iter().map(|(to, _)| *to).collect();
    assert_eq!(to, vec![s2()]);
}

#[test]
fn only_a_1_1_client_that_may_initiate_a_bootstrap_has_the_trigger() {
    let discover = |rig: &mut DeviceRig| {
        let mut d = rig.request(Code::GET, "/1/0");
        d.add_uint_option(
            crate::coap::message::option::ACCEPT,
            u32::from(ContentFormat::LINK_FORMAT.0),
        );
        let resp = rig.call(s1(), &d).expect("Discover is answered");
        String::from_utf8_lossy(&resp.payload).into_owned()
    };
    let mut v11 = registered_with_bootstrap_account(&[], Version::V1_1);
    assert!(discover(&mut v11).contains("</1/0/9>"), "{}", discover(&mut v11));

    // LwM2M 1.0 has no resource 9; a Server Initiated only client never sends Bootstrap-Request.
    let mut v10 = registered_with_bootstrap_account(&[], Version::V1_0);
    let mut sib = DeviceRig::server_initiated(&[]);
    for rig in [&mut v10, &mut sib] {
        assert!(!discover(rig).contains("</1/0/9>"));
        let resp = execute_trigger(rig);
        assert_eq!(resp.code, Code::NOT_FOUND);
        rig.advance(secs(5));
        assert!(rig.sent().iter().all(|(to, _)| *to != bs()), "no Bootstrap-Request");
    }
}

#[test]
fn the_account_a_bootstrap_writes_has_the_trigger_too() {
    let mut rig = registered_with_bootstrap_account(&[], Version::V1_1);
    let sent = rebootstrap_to_s2(&mut rig);
    rig.answer_registrations(&sent);
    let exec = rig.request(Code::POST, "/1/1/9");
    let resp = rig.call(s2(), &exec).expect("answered");
    assert_eq!(resp.code, Code::CHANGED);
    rig.advance(secs(0));
    rig.accept_bootstrap_request();
}
