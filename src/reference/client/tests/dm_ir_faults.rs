//! The Device Management and Information Reporting faults: each is run next to the conformant
//! client on the same script, and only the operation the fault names behaves differently.

use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{ContentFormat, Path, Record, Value, link_format};

use super::super::Fault;
use super::{Rig, server_instance_senml, text};

/// A client with `faults`, registered at /rd/x.
fn registered(faults: &[Fault]) -> Rig {
    let mut rig = Rig::new(faults);
    let reg = rig.expect_one();
    rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/x"));
    assert!(rig.core.is_registered());
    assert_eq!(rig.sent(), vec![], "nothing follows the 2.01");
    rig
}

/// The same script run on a conformant client and on one with `fault`.
fn both<T>(fault: Fault, script: impl Fn(&mut Rig) -> T) -> (T, T) {
    (script(&mut registered(&[])), script(&mut registered(&[fault])))
}

fn with_query(query: &[(&str, &str)]) -> impl FnOnce(&mut Message) {
    let q: Vec<(String, Option<String>)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
    move |m: &mut Message| m.set_uri("", &q)
}

fn with_payload(format: ContentFormat, payload: Vec<u8>) -> impl FnOnce(&mut Message) {
    move |m: &mut Message| {
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
        m.payload = payload;
    }
}

fn put_text(rig: &mut Rig, path: &str, body: &str) -> Code {
    rig.call(
        Code::PUT,
        path,
        with_payload(ContentFormat::TEXT, body.as_bytes().to_vec()),
    )
    .code
}

fn notification_storing_tlv(on: bool) -> Vec<u8> {
    let r = Record::new(Path::resource(1, 0, 6), Value::Boolean(on));
    crate::lwm2m::encode(ContentFormat::TLV, &Path::instance(1, 0), &[r]).expect("encodes")
}

fn observe(rig: &mut Rig, path: &str) -> Message {
    let mut req = rig.request(MessageType::Confirmable, Code::GET, path);
    req.add_uint_option(option::OBSERVE, 0);
    rig.deliver(&req);
    let resp = rig.expect_one();
    assert_eq!((resp.code, resp.observe().is_some()), (Code::CONTENT, true));
    req
}

/// Everything the client sends within `secs` seconds, one second at a time; every Confirmable
/// notification is acknowledged.
fn sent_within(rig: &mut Rig, secs: u64) -> Vec<(u64, Message)> {
    let mut out = Vec::new();
    for t in 0..=secs {
        if t > 0 {
            rig.advance(Duration::from_secs(1));
        }
        for m in rig.sent() {
            if m.mtype == MessageType::Confirmable && m.is_response() {
                rig.deliver(&Message::new(MessageType::Acknowledgement, Code::EMPTY, m.mid, vec![]));
            }
            out.push((t, m));
        }
    }
    out
}

fn decoded(m: &Message, base: &Path) -> Vec<Path> {
    let format = m.content_format().map(ContentFormat);
    match crate::lwm2m::decode(format, base, &m.payload) {
        Ok(crate::lwm2m::Content::Records(r)) => r.into_iter().map(|r| r.path).collect(),
        other => panic!("not records: {other:?}"),
    }
}

#[test]
fn read_faults_refuse_only_their_depth() {
    for (fault, refused) in [
        (Fault::DmNoReadResource, "/3/0/16"),
        (Fault::DmNoReadInstance, "/3/0"),
        (Fault::DmNoReadObject, "/3"),
    ] {
        let codes = |rig: &mut Rig| {
            ["/3", "/3/0", "/3/0/16"]
                .map(|p| (p, rig.get(p, Some(ContentFormat::TLV.0)).code))
                .to_vec()
        };
        let (good, bad) = both(fault, codes);
        assert!(good.iter().all(|(_, c)| *c == Code::CONTENT), "{good:?}");
        for ((p, g), (_, b)) in good.iter().zip(&bad) {
            let want = if *p == refused { Code::METHOD_NOT_ALLOWED } else { *g };
            assert_eq!(*b, want, "{fault} on {p}");
        }
    }
}

#[test]
fn write_replace_not_applied_still_answers_changed() {
    let (good, bad) = both(Fault::DmWriteReplaceNotApplied, |rig| {
        let code = put_text(rig, "/1/0/6", "1");
        (code, text(&rig.get("/1/0/6", Some(ContentFormat::TEXT.0))))
    });
    assert_eq!(good, (Code::CHANGED, "1".to_string()));
    assert_eq!(bad, (Code::CHANGED, "0".to_string()));
}

#[test]
fn operation_faults_answer_4_05_and_change_nothing() {
    let partial = |rig: &mut Rig| {
        let code = rig
            .call(
                Code::POST,
                "/1/0",
                with_payload(ContentFormat::TLV, notification_storing_tlv(true)),
            )
            .code;
        (code, text(&rig.get("/1/0/6", Some(ContentFormat::TEXT.0))))
    };
    assert_eq!(
        both(Fault::DmNoWritePartial, partial),
        ((Code::CHANGED, "1".into()), (Code::METHOD_NOT_ALLOWED, "0".into()))
    );

    let execute = |rig: &mut Rig| {
        let code = rig.call(Code::POST, "/1/0/8", |_| {}).code;
        let update = rig
            .sent()
            .iter()
            .any(|m| m.code == Code::POST && m.uri_path() == "/rd/x");
        (code, update)
    };
    assert_eq!(
        both(Fault::DmNoExecute, execute),
        ((Code::CHANGED, true), (Code::METHOD_NOT_ALLOWED, false))
    );

    let create = |rig: &mut Rig| {
        let code = rig
            .call(
                Code::POST,
                "/1",
                with_payload(ContentFormat::SENML_JSON, server_instance_senml(9)),
            )
            .code;
        (code, rig.get("/1/9", Some(ContentFormat::TLV.0)).code)
    };
    assert_eq!(
        both(Fault::DmNoCreate, create),
        (
            (Code::CREATED, Code::CONTENT),
            (Code::METHOD_NOT_ALLOWED, Code::NOT_FOUND)
        )
    );

    let delete = |rig: &mut Rig| {
        let created = rig
            .call(
                Code::POST,
                "/1",
                with_payload(ContentFormat::SENML_JSON, server_instance_senml(9)),
            )
            .code;
        let deleted = rig.call(Code::DELETE, "/1/9", |_| {}).code;
        (created, deleted, rig.get("/1/9", Some(ContentFormat::TLV.0)).code)
    };
    assert_eq!(
        both(Fault::DmNoDelete, delete),
        (
            (Code::CREATED, Code::DELETED, Code::NOT_FOUND),
            (Code::CREATED, Code::METHOD_NOT_ALLOWED, Code::CONTENT)
        )
    );

    let write_attributes = |rig: &mut Rig| {
        let code = rig
            .call(Code::PUT, "/3/0", with_query(&[("pmin", "10"), ("pmax", "200")]))
            .code;
        let discover = rig.get("/3/0", Some(ContentFormat::LINK_FORMAT.0));
        (code, text(&discover).starts_with("</3/0>;pmin=10;pmax=200"))
    };
    assert_eq!(
        both(Fault::DmNoWriteAttributes, write_attributes),
        ((Code::CHANGED, true), (Code::METHOD_NOT_ALLOWED, false))
    );
}

#[test]
fn step_fault_rejects_st_only() {
    let script = |rig: &mut Rig| {
        [
            ("pmin", "1"),
            ("pmax", "60"),
            ("gt", "100000"),
            ("lt", "1"),
            ("st", "10"),
        ]
        .map(|(k, v)| rig.call(Code::PUT, "/1/0/1", with_query(&[(k, v)])).code)
        .to_vec()
    };
    let (good, bad) = both(Fault::DmWriteAttributesRejectsStep, script);
    assert_eq!(good, vec![Code::CHANGED; 5]);
    assert_eq!(bad, [vec![Code::CHANGED; 4], vec![Code::BAD_REQUEST]].concat());
}

#[test]
fn discover_fault_drops_resource_links() {
    let (good, bad) = both(Fault::DmDiscoverOmitsResources, |rig| {
        let resp = rig.get("/3/0", Some(ContentFormat::LINK_FORMAT.0));
        let links = link_format::parse(&text(&resp)).expect("link format");
        let targets: Vec<String> = links.into_iter().map(|l| l.target).collect();
        (resp.code, targets)
    });
    assert_eq!(good.0, Code::CONTENT);
    assert!(good.1.contains(&"/3/0/16".to_string()), "{good:?}");
    assert_eq!(bad, (Code::CONTENT, vec!["/3/0".to_string()]));
}

/// Observes /1/0/6 and then writes it; returns the notifications that follow within 3 s.
fn notifications_after_write(rig: &mut Rig, pre: impl FnOnce(&mut Rig, &Message)) -> usize {
    assert_eq!(put_text(rig, "/1/0/6", "0"), Code::CHANGED);
    let obs = observe(rig, "/1/0/6");
    pre(rig, &obs);
    assert_eq!(put_text(rig, "/1/0/6", "1"), Code::CHANGED);
    sent_within(rig, 3)
        .into_iter()
        .filter(|(_, m)| m.token == obs.token && m.observe().is_some())
        .count()
}

#[test]
fn no_notify_fault_answers_the_observe_and_stays_silent() {
    assert_eq!(
        both(Fault::IrNoNotify, |rig| notifications_after_write(rig, |_, _| {})),
        (1, 0)
    );
}

#[test]
fn cancel_faults_keep_the_observation() {
    let by_get = |rig: &mut Rig, obs: &Message| {
        let mut cancel = Message::new(MessageType::Confirmable, Code::GET, 0x6100, obs.token.clone());
        cancel.set_uri("/1/0/6", &[]);
        cancel.add_uint_option(option::OBSERVE, 1);
        rig.deliver(&cancel);
        let resp = rig.expect_one();
        assert_eq!(
            (resp.code, resp.observe()),
            (Code::CONTENT, None),
            "answered like a Read"
        );
    };
    assert_eq!(
        both(Fault::IrIgnoresCancelObservation, |rig| notifications_after_write(
            rig, by_get
        )),
        (0, 1)
    );

    let by_rst = |rig: &mut Rig| {
        assert_eq!(put_text(rig, "/1/0/6", "0"), Code::CHANGED);
        let obs = observe(rig, "/1/0/6");
        assert_eq!(put_text(rig, "/1/0/6", "1"), Code::CHANGED);
        let note = rig.sent().pop().expect("a notification");
        assert_eq!((note.mtype, &note.token), (MessageType::Confirmable, &obs.token));
        rig.deliver(&Message::new(MessageType::Reset, Code::EMPTY, note.mid, vec![]));
        assert_eq!(put_text(rig, "/1/0/6", "0"), Code::CHANGED);
        sent_within(rig, 3)
            .into_iter()
            .filter(|(_, m)| m.token == obs.token)
            .count()
    };
    assert_eq!(both(Fault::IrNotifyIgnoresCancelRst, by_rst), (0, 1));
}

#[test]
fn object_notification_fault_sends_the_changed_resource_alone() {
    let (good, bad) = both(Fault::IrObjectNotifyChangedResourceOnly, |rig| {
        let obs = observe(rig, "/1");
        assert_eq!(put_text(rig, "/1/0/6", "1"), Code::CHANGED);
        let note = rig.sent().pop().expect("a notification");
        assert_eq!(note.token, obs.token);
        decoded(&note, &Path::object(1))
    });
    assert!(good.contains(&Path::resource(1, 0, 0)) && good.contains(&Path::resource(1, 0, 6)));
    assert_eq!(bad, vec![Path::resource(1, 0, 6)]);
    // An instance observation is not affected.
    let (good, bad) = both(Fault::IrObjectNotifyChangedResourceOnly, |rig| {
        observe(rig, "/1/0");
        assert_eq!(put_text(rig, "/1/0/6", "1"), Code::CHANGED);
        decoded(&rig.sent().pop().expect("a notification"), &Path::instance(1, 0))
    });
    assert_eq!(good, bad);
}

#[test]
fn object_notification_carries_the_changed_instance_and_the_fault_the_whole_object() {
    let (good, bad) = both(Fault::IrObjectNotifyWholeObject, |rig| {
        // A second Server instance, /1/9, that will not change.
        let created = rig.call(
            Code::POST,
            "/1",
            with_payload(ContentFormat::SENML_JSON, server_instance_senml(9)),
        );
        assert_eq!(created.code, Code::CREATED);
        let _ = rig.sent();
        let obs = observe(rig, "/1");
        assert_eq!(put_text(rig, "/1/0/6", "1"), Code::CHANGED);
        let note = rig.sent().pop().expect("a notification");
        assert_eq!(note.token, obs.token);
        decoded(&note, &Path::object(1))
    });
    assert!(good.contains(&Path::resource(1, 0, 6)), "{good:?}");
    assert!(
        !good.iter().any(|p| p.instance == Some(9)),
        "the unchanged /1/9 is not notified: {good:?}"
    );
    assert!(
        bad.iter().any(|p| p.instance == Some(9)),
        "the fault notifies the whole Object: {bad:?}"
    );
}

#[test]
fn period_faults() {
    // pmin 2: the change is held back until 2 s after the Observe's answer.
    let first_at = |rig: &mut Rig| {
        rig.call(Code::PUT, "/1/0/6", with_query(&[("pmin", "2")]));
        notifications_at(rig, true)
    };
    assert_eq!(both(Fault::IrIgnoresPmin, first_at), (vec![2], vec![0]));
    // pmax 2: a notification every 2 s although nothing changes.
    let periodic = |rig: &mut Rig| {
        rig.call(Code::PUT, "/1/0/6", with_query(&[("pmax", "2")]));
        notifications_at(rig, false)
    };
    assert_eq!(both(Fault::IrIgnoresPmax, periodic), (vec![2, 4], vec![]));
}

#[test]
fn threshold_faults() {
    // Default Maximum Period /1/0/3 (an Integer the server may write) goes from `values[0]`
    // to `values[1]` (outside what the attribute reports) and then to `values[2]` (inside):
    // (notifications after the first change, after the second).
    let crossing = |attr: (&'static str, &'static str), values: [&'static str; 3]| {
        move |rig: &mut Rig| {
            assert_eq!(put_text(rig, "/1/0/3", values[0]), Code::CHANGED);
            assert_eq!(rig.call(Code::PUT, "/1/0/3", with_query(&[attr])).code, Code::CHANGED);
            let obs = observe(rig, "/1/0/3");
            let after = |rig: &mut Rig, value| {
                assert_eq!(put_text(rig, "/1/0/3", value), Code::CHANGED);
                sent_within(rig, 1)
                    .into_iter()
                    .filter(|(_, m)| m.token == obs.token && m.observe().is_some())
                    .count()
            };
            (after(rig, values[1]), after(rig, values[2]))
        }
    };
    let gt = crossing(("gt", "150"), ["100", "120", "200"]);
    assert_eq!(both(Fault::IrIgnoresGt, gt), ((0, 1), (1, 1)));
    let lt = crossing(("lt", "150"), ["200", "180", "100"]);
    assert_eq!(both(Fault::IrIgnoresLt, lt), ((0, 1), (1, 1)));
    let st = crossing(("st", "10"), ["100", "105", "115"]);
    assert_eq!(both(Fault::IrIgnoresSt, st), ((0, 1), (1, 1)));
}

/// Observes /1/0/6 (optionally writing a change at once) and returns the seconds at which
/// notifications came within 5 s.
fn notifications_at(rig: &mut Rig, change: bool) -> Vec<u64> {
    let obs = observe(rig, "/1/0/6");
    if change {
        let mut w = rig.request(MessageType::Confirmable, Code::PUT, "/1/0/6");
        with_payload(ContentFormat::TEXT, b"1".to_vec())(&mut w);
        rig.deliver(&w);
    }
    sent_within(rig, 5)
        .into_iter()
        .filter(|(_, m)| m.token == obs.token && m.observe().is_some())
        .map(|(t, _)| t)
        .collect()
}

#[test]
fn restart_fault_resumes_the_registration_with_an_update() {
    let endpoint = super::config(&[]).endpoint;
    let _ = super::super::resume::take(&endpoint);
    // The conformant client remembers nothing: a new instance Registers.
    let _first = registered(&[]);
    let again = Rig::new(&[]).expect_one();
    assert_eq!((again.code, again.uri_path()), (Code::POST, "/rd".to_string()));
    // With the fault, the new instance Updates the location the first one got.
    let _first = registered(&[Fault::IrReregisterWithUpdateAfterRestart]);
    let mut second = Rig::new(&[Fault::IrReregisterWithUpdateAfterRestart]);
    let resumed = second.expect_one();
    assert_eq!((resumed.code, resumed.uri_path()), (Code::POST, "/rd/x".to_string()));
    assert!(second.core.is_registered());
    // The file is gone once read: a third instance registers normally.
    let third = Rig::new(&[Fault::IrReregisterWithUpdateAfterRestart]).expect_one();
    assert_eq!(third.uri_path(), "/rd");
}
