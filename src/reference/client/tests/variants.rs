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
    assert_eq!(write.code, crate::reference::client::dm::UNSUPPORTED_CONTENT_FORMAT);
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
