//! `--lwm2m 1.1`: the Register's version, Bootstrap-Read and Bootstrap-Discover, and the
//! Server Object's registration resources 13-20, each conformant and against its fault, on the
//! sans-IO [`Device`](super::super::Device) with a manual clock.

use std::net::SocketAddr;
use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value, link_format};

use super::super::{DeviceConfig, Fault, Version};
use super::bootstrap::{DeviceRig, bs, s1, s2, secs, security_records, server_records};

fn config(faults: &[Fault]) -> DeviceConfig {
    DeviceConfig {
        version: Version::V1_1,
        variants: Default::default(),
        ..DeviceRig::config(faults)
    }
}

/// Client Initiated, 1.1, the Bootstrap-Request answered.
fn bootstrapping(faults: &[Fault]) -> DeviceRig {
    let mut rig = DeviceRig::new(config(faults));
    rig.accept_bootstrap_request();
    rig
}

/// Writes the account of server `ssid` at `addr` (Security /0/{ssid}, Server /1/{ssid - 1})
/// with the Server resources `policy` added.
fn provision(rig: &mut DeviceRig, ssid: u16, addr: SocketAddr, policy: &[(u16, Value)]) {
    let (si, i) = (ssid, ssid - 1);
    let sec = security_records(si, i64::from(ssid), addr);
    assert_eq!(
        rig.bs_write(&format!("/0/{si}"), ContentFormat::TLV, &sec),
        Code::CHANGED
    );
    let mut srv = server_records(i, i64::from(ssid), 300);
    srv.extend(
        policy
            .iter()
            .map(|(r, v)| Record::new(Path::resource(1, i, *r), v.clone())),
    );
    assert_eq!(
        rig.bs_write(&format!("/1/{i}"), ContentFormat::TLV, &srv),
        Code::CHANGED
    );
}

fn int(v: i64) -> Value {
    Value::Integer(v)
}

fn no(r: u16) -> (u16, Value) {
    (r, Value::Boolean(false))
}

/// Registers sent since the last call, by destination.
fn registers(rig: &mut DeviceRig) -> Vec<(SocketAddr, Message)> {
    rig.sent()
        .into_iter()
        .filter(|(_, m)| m.code == Code::POST && m.uri_path() == "/rd")
        .collect()
}

fn reject(rig: &mut DeviceRig, to: SocketAddr, register: &Message) {
    // 4.03 Forbidden, as a server that refuses the endpoint answers.
    rig.answer(to, register, Code(0x83), |_| {});
}

#[test]
fn register_says_lwm2m_1_1_and_the_server_object_version() {
    for (faults, lwm2m) in [
        (&[][..], Some(Some("1.1".to_string()))),
        (&[Fault::RegOmitLwm2mVersion][..], None),
    ] {
        let mut rig = DeviceRig::new(DeviceConfig {
            server: Some(s1()),
            bootstrap: None,
            ..config(faults)
        });
        let reg = rig.expect_one(s1());
        let query = reg.uri_query();
        assert_eq!(query.iter().find(|(k, _)| k == "lwm2m").map(|(_, v)| v.clone()), lwm2m);
        let links = link_format::parse(&String::from_utf8_lossy(&reg.payload)).expect("link format");
        let server_object = links.iter().find(|l| l.target == "/1").expect("</1>");
        assert_eq!(server_object.attribute("ver"), Some(Some("1.1")));
    }
}

#[test]
fn bootstrap_read_returns_the_server_object_with_its_policy() {
    let mut rig = bootstrapping(&[]);
    provision(&mut rig, 1, s1(), &[(13, int(7))]);
    let mut read = rig.request(Code::GET, "/1");
    read.add_uint_option(option::ACCEPT, u32::from(ContentFormat::TLV.0));
    let resp = rig.call(bs(), &read).expect("answered");
    assert_eq!(
        (resp.code, resp.content_format()),
        (Code::CONTENT, Some(ContentFormat::TLV.0))
    );
    let records = match crate::lwm2m::decode(Some(ContentFormat::TLV), &Path::object(1), &resp.payload) {
        Ok(crate::lwm2m::Content::Records(r)) => r,
        other => panic!("not records: {other:?}"),
    };
    let value = |r| {
        records
            .iter()
            .find(|x| x.path == Path::resource(1, 0, r))
            .map(|x| x.value.clone())
    };
    assert_eq!(
        (value(0), value(1), value(13)),
        (Some(int(1)), Some(int(300)), Some(int(7)))
    );
    // Only the Server and Access Control Objects may be Bootstrap-Read.
    let device = rig.request(Code::GET, "/3/0");
    assert_eq!(rig.call(bs(), &device).map(|r| r.code), Some(Code::METHOD_NOT_ALLOWED));

    let mut faulty = bootstrapping(&[Fault::BsNoBootstrapRead]);
    provision(&mut faulty, 1, s1(), &[]);
    let read = faulty.request(Code::GET, "/1");
    assert_eq!(faulty.call(bs(), &read).map(|r| r.code), Some(Code::METHOD_NOT_ALLOWED));

    // A 1.0 client has no Bootstrap-Read: a GET from the Bootstrap-Server is ignored.
    let mut v1_0 = DeviceRig::client_initiated(&[]);
    v1_0.accept_bootstrap_request();
    let read = v1_0.request(Code::GET, "/1");
    assert_eq!(v1_0.call(bs(), &read), None);
}

#[test]
fn bootstrap_discover_lists_the_accounts_with_their_ssid() {
    let discover = |rig: &mut DeviceRig| {
        let mut m = rig.request(Code::GET, "/");
        m.add_uint_option(option::ACCEPT, u32::from(ContentFormat::LINK_FORMAT.0));
        rig.call(bs(), &m).expect("answered")
    };
    let mut rig = bootstrapping(&[]);
    provision(&mut rig, 1, s1(), &[]);
    let resp = discover(&mut rig);
    assert_eq!(resp.code, Code::CONTENT);
    assert_eq!(
        String::from_utf8_lossy(&resp.payload),
        format!(
            "</>;lwm2m=1.1,</0/0>;uri=coap://{},</0/1>;ssid=1;uri=coap://{},</1/0>;ssid=1,</3/0>",
            bs(),
            s1()
        )
    );
    let mut faulty = bootstrapping(&[Fault::BsNoBootstrapDiscover]);
    assert_eq!(discover(&mut faulty).code, Code::METHOD_NOT_ALLOWED);
}

#[test]
fn the_lwm2m_server_does_not_see_the_bootstrap_only_resources() {
    let mut rig = bootstrapping(&[]);
    provision(&mut rig, 1, s1(), &[(13, int(1)), (17, int(2))]);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    let sent = rig.sent();
    rig.answer_registrations(&sent);
    let mut read = rig.request(Code::GET, "/1/0");
    read.add_uint_option(option::ACCEPT, u32::from(ContentFormat::SENML_JSON.0));
    let resp = rig.call(s1(), &read).expect("answered");
    let text = String::from_utf8_lossy(&resp.payload).to_string();
    assert_eq!(resp.code, Code::CONTENT);
    assert!(text.contains("\"n\":\"1\"") && !text.contains("\"n\":\"13\""), "{text}");
    let one = rig.request(Code::GET, "/1/0/13");
    assert_eq!(rig.call(s1(), &one).map(|r| r.code), Some(Code::METHOD_NOT_ALLOWED));
}

/// Two servers: S1 (Server /1/0) with order 2 and S2 (Server /1/1) with order 1.
fn two_ordered(faults: &[Fault], s2_policy: &[(u16, Value)]) -> DeviceRig {
    let mut rig = bootstrapping(faults);
    provision(&mut rig, 1, s1(), &[(13, int(2)), no(16)]);
    let mut policy = vec![(13, int(1)), no(16)];
    policy.extend_from_slice(s2_policy);
    provision(&mut rig, 2, s2(), &policy);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    rig
}

#[test]
fn registration_follows_the_priority_order() {
    let mut rig = two_ordered(&[], &[]);
    let first = registers(&mut rig);
    assert_eq!(
        first.iter().map(|(to, _)| *to).collect::<Vec<_>>(),
        vec![s2()],
        "order 1 first, alone"
    );
    rig.advance(secs(30));
    let meanwhile = registers(&mut rig);
    assert!(
        meanwhile.iter().all(|(to, m)| *to == s2() && m.mid == first[0].1.mid),
        "order 2 waits while order 1 is unanswered (only its retransmissions go out)"
    );
    rig.answer_registrations(&first);
    let second = registers(&mut rig);
    assert_eq!(
        second.iter().map(|(to, _)| *to).collect::<Vec<_>>(),
        vec![s1()],
        "then order 2"
    );

    let mut faulty = two_ordered(&[Fault::RegIgnoresPriorityOrder], &[]);
    let both: Vec<SocketAddr> = registers(&mut faulty).iter().map(|(to, _)| *to).collect();
    assert_eq!(both, vec![s1(), s2()], "the fault registers everywhere at once");
}

#[test]
fn registration_waits_the_initial_delay() {
    for (faults, delayed) in [(&[][..], true), (&[Fault::RegIgnoresInitialDelay][..], false)] {
        let mut rig = bootstrapping(faults);
        provision(&mut rig, 1, s1(), &[(13, int(1)), (14, int(3))]);
        assert_eq!(rig.bs_finish(), Code::CHANGED);
        let at_once = registers(&mut rig);
        assert_eq!(at_once.is_empty(), delayed, "{faults:?}");
        if delayed {
            rig.advance(Duration::from_millis(2_999));
            assert_eq!(registers(&mut rig), vec![]);
            rig.advance(Duration::from_millis(1));
            assert_eq!(registers(&mut rig).len(), 1, "at 3 s");
        }
    }
}

#[test]
fn a_failed_registration_blocks_the_rest_of_the_order_when_told_to() {
    let once = [(15, Value::Boolean(true)), (17, int(1)), (20, int(1))];
    for (faults, proceeds) in [(&[][..], false), (&[Fault::RegIgnoresFailureBlock][..], true)] {
        let mut rig = two_ordered(faults, &once);
        let first = registers(&mut rig);
        assert_eq!(first.len(), 1);
        reject(&mut rig, s2(), &first[0].1);
        rig.advance(secs(60));
        let after: Vec<SocketAddr> = registers(&mut rig).iter().map(|(to, _)| *to).collect();
        assert_eq!(after.is_empty(), !proceeds, "{faults:?}: {after:?}");
        assert!(after.iter().all(|to| *to == s1()), "never S2 again: {after:?}");
    }
}

#[test]
fn a_failure_without_block_lets_the_next_server_register() {
    let once = [(15, Value::Boolean(false)), (17, int(1)), (20, int(1))];
    for (faults, proceeds) in [(&[][..], true), (&[Fault::RegAlwaysBlocksOnFailure][..], false)] {
        let mut rig = two_ordered(faults, &once);
        let first = registers(&mut rig);
        reject(&mut rig, s2(), &first[0].1);
        let next: Vec<SocketAddr> = registers(&mut rig).iter().map(|(to, _)| *to).collect();
        assert_eq!(next, if proceeds { vec![s1()] } else { vec![] }, "{faults:?}");
    }
}

#[test]
fn failed_registers_follow_the_retry_resources_then_stop() {
    let policy = [no(16), (17, int(2)), (18, int(1)), (19, int(2)), (20, int(2))];
    let mut rig = bootstrapping(&[]);
    provision(&mut rig, 1, s1(), &policy);
    assert_eq!(rig.bs_finish(), Code::CHANGED);
    // Every Register is rejected at once; the clock moves in 100 ms steps for 10 s.
    let mut times = Vec::new();
    for _ in 0..100 {
        for (to, m) in registers(&mut rig) {
            times.push(rig.now.as_millis());
            reject(&mut rig, to, &m);
        }
        rig.advance(Duration::from_millis(100));
    }
    assert_eq!(
        times,
        vec![0, 1_000, 3_000, 4_000],
        "attempt, +1 s, +2 s sequence delay, +1 s, then none"
    );

    let mut faulty = bootstrapping(&[Fault::RegIgnoresRetryResources]);
    provision(&mut faulty, 1, s1(), &policy);
    assert_eq!(faulty.bs_finish(), Code::CHANGED);
    let reg = registers(&mut faulty);
    reject(&mut faulty, s1(), &reg[0].1);
    faulty.advance(secs(9));
    assert_eq!(registers(&mut faulty), vec![], "the 1.0 back-off: 10 s");
    faulty.advance(secs(1));
    assert_eq!(registers(&mut faulty).len(), 1);
}

#[test]
fn a_failed_registration_bootstraps_as_resource_16_says() {
    let cases = [
        (true, &[][..], true),
        (true, &[Fault::RegNoBootstrapOnFailure][..], false),
        (false, &[][..], false),
        (false, &[Fault::RegAlwaysBootstrapOnFailure][..], true),
    ];
    for (on_failure, faults, bootstraps) in cases {
        let mut rig = bootstrapping(faults);
        provision(
            &mut rig,
            1,
            s1(),
            &[(16, Value::Boolean(on_failure)), (17, int(1)), (20, int(1))],
        );
        assert_eq!(rig.bs_finish(), Code::CHANGED);
        let reg = registers(&mut rig);
        reject(&mut rig, s1(), &reg[0].1);
        let sent = rig.sent();
        let requests: Vec<(SocketAddr, String)> = sent
            .iter()
            .filter(|(_, m)| m.mtype == MessageType::Confirmable)
            .map(|(to, m)| (*to, m.uri_path()))
            .collect();
        let want = if bootstraps {
            vec![(bs(), "/bs".to_string())]
        } else {
            vec![]
        };
        assert_eq!(requests, want, "16={on_failure} {faults:?}");
    }
}
