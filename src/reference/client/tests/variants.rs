//! The conformant variants (`--variant`): each changes only the freedom it names.

use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::ContentFormat;

use super::{Rig, config};
use crate::reference::client::{Variant, Version};

fn rig_with(variant: Variant) -> Rig {
    let mut cfg = config(&[]);
    cfg.version = Version::V1_1;
    cfg.variants.insert(variant);
    Rig::with_config(cfg)
}

fn registered_with(variant: Variant) -> (Rig, Message) {
    let mut rig = rig_with(variant);
    let reg = rig.expect_one();
    rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/x"));
    (rig, reg)
}

#[test]
fn no_tlv_announces_senml_json_and_refuses_tlv_both_ways() {
    let (mut rig, reg) = registered_with(Variant::NoTlv);
    let query = reg.uri_query();
    assert!(query.contains(&("pct".into(), Some("110".into()))), "{query:?}");
    // No Accept: an Object Instance comes in SenML JSON, not TLV.
    let read = rig.get("/3/0", None);
    assert_eq!(
        (read.code, read.content_format()),
        (Code::CONTENT, Some(ContentFormat::SENML_JSON.0))
    );
    assert_eq!(rig.get("/3/0", Some(ContentFormat::TLV.0)).code, Code::NOT_ACCEPTABLE);
    let tlv = crate::lwm2m::encode(
        ContentFormat::TLV,
        &crate::lwm2m::Path::instance(1, 0),
        &[crate::lwm2m::Record {
            path: "/1/0/1".parse().expect("path"),
            value: crate::lwm2m::Value::Integer(60),
        }],
    )
    .expect("encodes");
    let write = rig.call(Code::PUT, "/1/0", |m| {
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TLV.0));
        m.payload = tlv;
    });
    assert_eq!(write.code, Code::UNSUPPORTED_CONTENT_FORMAT);
}

#[test]
fn the_default_client_announces_no_pct() {
    let mut cfg = config(&[]);
    cfg.version = Version::V1_1;
    let mut rig = Rig::with_config(cfg);
    let reg = rig.expect_one();
    assert!(reg.uri_query().iter().all(|(k, _)| k != "pct"), "{:?}", reg.uri_query());
}

#[test]
fn non_notifications_are_non_confirmable_and_an_rst_cancels_them() {
    let (mut rig, _) = registered_with(Variant::NonNotifications);
    let mut req = rig.request(MessageType::Confirmable, Code::GET, "/3/0/13");
    req.add_uint_option(option::OBSERVE, 0);
    rig.deliver(&req);
    assert_eq!(rig.expect_one().code, Code::CONTENT);
    rig.advance(Duration::from_secs(1));
    let n = rig.expect_one();
    assert_eq!(
        (n.mtype, n.code, n.token.clone()),
        (MessageType::NonConfirmable, Code::CONTENT, req.token)
    );
    rig.deliver(&Message::new(MessageType::Reset, Code::EMPTY, n.mid, vec![]));
    rig.advance(Duration::from_secs(3));
    assert_eq!(rig.sent(), vec![], "the RST cancelled the observation");
}

#[test]
fn notify_each_instance_splits_a_two_instance_change() {
    use crate::lwm2m::{Content, Path};
    let instances_notified = |variant: Option<Variant>| -> Vec<Vec<u16>> {
        let mut cfg = config(&[]);
        cfg.variants.extend(variant);
        let mut rig = Rig::with_config(cfg);
        let reg = rig.expect_one();
        rig.answer(&reg, Code::CREATED, |r| r.set_location_path("/rd/x"));
        let senml = super::server_instance_senml(9);
        let created = rig.call(Code::POST, "/1", |m| {
            m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::SENML_JSON.0));
            m.payload = senml;
        });
        assert_eq!(created.code, Code::CREATED);
        // pmin 2 on the Object: both changes below wait, and are due together.
        let q = vec![("pmin".to_string(), Some("2".to_string()))];
        assert_eq!(rig.call(Code::PUT, "/1", |m| m.set_uri("", &q)).code, Code::CHANGED);
        let _ = rig.sent();
        let mut req = rig.request(MessageType::Confirmable, Code::GET, "/1");
        req.add_uint_option(option::OBSERVE, 0);
        req.add_uint_option(option::ACCEPT, u32::from(ContentFormat::SENML_JSON.0));
        rig.deliver(&req);
        assert_eq!(rig.expect_one().code, Code::CONTENT);
        for path in ["/1/0/6", "/1/9/6"] {
            let changed = rig.call(Code::PUT, path, |m| {
                m.add_uint_option(option::CONTENT_FORMAT, 0);
                m.payload = b"1".to_vec();
            });
            assert_eq!(changed.code, Code::CHANGED);
        }
        let mut out = Vec::new();
        for _ in 0..4 {
            rig.advance(Duration::from_secs(1));
            for n in rig.sent().into_iter().filter(|m| m.token == req.token) {
                rig.deliver(&Message::new(MessageType::Acknowledgement, Code::EMPTY, n.mid, vec![]));
                let Ok(Content::Records(records)) =
                    crate::lwm2m::decode(n.content_format().map(ContentFormat), &Path::object(1), &n.payload)
                else {
                    panic!("a notification with records");
                };
                let mut ids: Vec<u16> = records.iter().filter_map(|r| r.path.instance).collect();
                ids.dedup();
                out.push(ids);
            }
        }
        out
    };
    assert_eq!(
        instances_notified(None),
        vec![vec![0, 9]],
        "one notification, both changed instances"
    );
    assert_eq!(
        instances_notified(Some(Variant::NotifyEachInstance)),
        vec![vec![0], vec![9]],
        "one notification per changed instance"
    );
}
