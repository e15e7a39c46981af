//! The Device Management interface: Read, Write, Execute, Create, Delete, Discover,
//! Write-Attributes, response codes and duplicate handling.

use std::time::Duration;

use crate::coap::message::option;
use crate::coap::{Code, Message, MessageType};
use crate::lwm2m::{Content, ContentFormat, Path, Record, Value};

use super::{Rig, UNIX_AT_EPOCH, cf, client_snapshot, lines, server_instance_senml, text};

fn records(resp: &Message, base: &Path) -> Vec<Record> {
    let format = resp.content_format().map(ContentFormat);
    match crate::lwm2m::decode(format, base, &resp.payload) {
        Ok(Content::Records(r)) => r,
        other => panic!("not records: {other:?}"),
    }
}

fn value(records: &[Record], path: Path) -> Option<&Value> {
    records.iter().find(|r| r.path == path).map(|r| &r.value)
}

fn put_text(rig: &mut Rig, path: &str, body: &str) -> Code {
    rig.call(Code::PUT, path, |m| {
        m.add_uint_option(option::CONTENT_FORMAT, 0);
        m.payload = body.as_bytes().to_vec();
    })
    .code
}

fn with_payload(format: ContentFormat, payload: Vec<u8>) -> impl FnOnce(&mut Message) {
    move |m| {
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(format.0));
        m.payload = payload;
    }
}

#[test]
fn read_device_in_every_format() {
    let mut rig = Rig::registered();
    let base = Path::instance(3, 0);
    let mut shown = Vec::new();
    for (accept, want) in [(None, 11542), (Some(11542), 11542), (Some(110), 110), (Some(112), 112)] {
        let resp = rig.get("/3/0", accept);
        assert_eq!((resp.code, cf(&resp)), (Code::CONTENT, want));
        let recs = records(&resp, &base);
        assert_eq!(
            value(&recs, Path::resource(3, 0, 0)),
            Some(&Value::String("lwm2m-conformance".into()))
        );
        assert_eq!(
            value(&recs, Path::resource_instance(3, 0, 11, 0)),
            Some(&Value::Integer(0))
        );
        assert_eq!(
            value(&recs, Path::resource(3, 0, 13)),
            Some(&Value::Time(UNIX_AT_EPOCH))
        );
        assert_eq!(value(&recs, Path::resource(3, 0, 16)), Some(&Value::String("U".into())));
        assert_eq!(
            value(&recs, Path::resource(3, 0, 4)),
            None,
            "Reboot is executable, not readable"
        );
        shown.push((format!("GET /3/0 accept {accept:?}"), lines(&resp)));
    }
    for (path, accept) in [
        ("/3/0/0", None),
        ("/3/0/0", Some(0)),
        ("/3/0/0", Some(11542)),
        ("/3/0/11", None),
        ("/3/0/11/0", None),
        ("/1/0/1", Some(110)),
    ] {
        let resp = rig.get(path, accept);
        assert_eq!(resp.code, Code::CONTENT, "{path}");
        shown.push((format!("GET {path} accept {accept:?}"), lines(&resp)));
    }
    assert_eq!(text(&rig.get("/3/0/0", None)), "lwm2m-conformance");
    assert_eq!(text(&rig.get("/1/0/1", None)), "300");
    client_snapshot!("reads", shown);
}

#[test]
fn read_response_codes() {
    let mut rig = Rig::registered();
    for (path, accept, code) in [
        ("/3/0/99", None, Code::NOT_FOUND),
        ("/3/1", None, Code::NOT_FOUND),
        ("/5", None, Code::NOT_FOUND),
        ("/3/0/11/7", None, Code::NOT_FOUND),
        ("/0", None, Code::NOT_FOUND),
        ("/0/0/0", None, Code::NOT_FOUND),
        ("/rd", None, Code::NOT_FOUND),
        ("/3/0/4", None, Code::METHOD_NOT_ALLOWED),
        ("/", None, Code::METHOD_NOT_ALLOWED),
        ("/3/0", Some(0), Code::NOT_ACCEPTABLE),
        ("/3/0/0", Some(42), Code::NOT_ACCEPTABLE),
        ("/3/0/0", Some(11543), Code::NOT_ACCEPTABLE),
        ("/3/0/0", Some(60), Code::NOT_ACCEPTABLE),
    ] {
        let resp = rig.get(path, accept);
        assert_eq!(resp.code, code, "GET {path} accept {accept:?}");
        assert!(resp.payload.is_empty());
    }
}

#[test]
fn write_then_read() {
    let mut rig = Rig::registered();
    // Current Time is writable and keeps running from the written value.
    assert_eq!(put_text(&mut rig, "/3/0/13", "1800000000"), Code::CHANGED);
    assert_eq!(text(&rig.get("/3/0/13", None)), "1800000000");
    rig.advance(Duration::from_secs(5));
    assert_eq!(text(&rig.get("/3/0/13", None)), "1800000005");
    // Partial update of the Server instance, in TLV.
    let recs = [
        Record::new(Path::resource(1, 0, 2), Value::Integer(7)),
        Record::new(Path::resource(1, 0, 6), Value::Boolean(true)),
    ];
    let tlv = crate::lwm2m::encode(ContentFormat::TLV, &Path::instance(1, 0), &recs).expect("encodes");
    let resp = rig.call(Code::POST, "/1/0", with_payload(ContentFormat::TLV, tlv));
    assert_eq!(resp.code, Code::CHANGED);
    let back = records(&rig.get("/1/0", None), &Path::instance(1, 0));
    assert_eq!(value(&back, Path::resource(1, 0, 2)), Some(&Value::Integer(7)));
    assert_eq!(value(&back, Path::resource(1, 0, 6)), Some(&Value::Boolean(true)));
    assert_eq!(
        value(&back, Path::resource(1, 0, 1)),
        Some(&Value::Integer(300)),
        "untouched"
    );
    // An absent optional resource can be written; SenML JSON this time.
    let senml = br#"[{"bn":"/1/0/","n":"3","v":30}]"#.to_vec();
    let resp = rig.call(Code::PUT, "/1/0/3", with_payload(ContentFormat::SENML_JSON, senml));
    assert_eq!(resp.code, Code::CHANGED);
    assert_eq!(text(&rig.get("/1/0/3", None)), "30");
    // Replace of the instance drops optional writable resources the payload omits.
    let recs = [
        Record::new(Path::resource(1, 0, 1), Value::Integer(300)),
        Record::new(Path::resource(1, 0, 6), Value::Boolean(false)),
        Record::new(Path::resource(1, 0, 7), Value::String("U".into())),
    ];
    let cbor = crate::lwm2m::encode(ContentFormat::SENML_CBOR, &Path::instance(1, 0), &recs).expect("encodes");
    let resp = rig.call(Code::PUT, "/1/0", with_payload(ContentFormat::SENML_CBOR, cbor));
    assert_eq!(resp.code, Code::CHANGED);
    assert_eq!(rig.get("/1/0/3", None).code, Code::NOT_FOUND);
    assert_eq!(
        text(&rig.get("/1/0/0", None)),
        "1",
        "read-only mandatory resources stay"
    );
    assert_eq!(rig.sent(), vec![], "nothing the server knows changed: no Update");
}

#[test]
fn write_response_codes_and_atomicity() {
    let mut rig = Rig::registered();
    assert_eq!(put_text(&mut rig, "/3/0/0", "x"), Code::METHOD_NOT_ALLOWED, "read-only");
    assert_eq!(
        put_text(&mut rig, "/1/0/0", "2"),
        Code::METHOD_NOT_ALLOWED,
        "Short Server ID"
    );
    assert_eq!(
        put_text(&mut rig, "/3/0/4", "1"),
        Code::METHOD_NOT_ALLOWED,
        "executable"
    );
    assert_eq!(
        put_text(&mut rig, "/3/0/11/0", "1"),
        Code::METHOD_NOT_ALLOWED,
        "resource instance"
    );
    assert_eq!(put_text(&mut rig, "/3", "1"), Code::METHOD_NOT_ALLOWED, "object");
    assert_eq!(put_text(&mut rig, "/9/0/1", "1"), Code::NOT_FOUND);
    assert_eq!(put_text(&mut rig, "/1/7/1", "1"), Code::NOT_FOUND);
    assert_eq!(put_text(&mut rig, "/1/0/99", "1"), Code::NOT_FOUND);
    assert_eq!(put_text(&mut rig, "/1/0/1", "abc"), Code::BAD_REQUEST);
    assert_eq!(put_text(&mut rig, "/1/0/1", "-5"), Code::BAD_REQUEST);
    assert_eq!(
        put_text(&mut rig, "/1/0/7", "UQ"),
        Code::BAD_REQUEST,
        "only U is supported"
    );
    let lwm2m_json = with_payload(ContentFormat::LWM2M_JSON, b"{}".to_vec());
    assert_eq!(rig.call(Code::PUT, "/1/0/1", lwm2m_json).code, Code(0x8f), "4.15");
    let no_format = rig.call(Code::PUT, "/1/0/2", |m| m.payload = b"4".to_vec());
    assert_eq!(no_format.code, Code::CHANGED, "no Content-Format means text/plain");
    // One bad record rejects the whole Write.
    let recs = [
        Record::new(Path::resource(1, 0, 1), Value::Integer(77)),
        Record::new(Path::resource(1, 0, 0), Value::Integer(5)),
    ];
    let tlv = crate::lwm2m::encode(ContentFormat::TLV, &Path::instance(1, 0), &recs).expect("encodes");
    let resp = rig.call(Code::POST, "/1/0", with_payload(ContentFormat::TLV, tlv));
    assert_eq!(resp.code, Code::METHOD_NOT_ALLOWED);
    assert_eq!(text(&rig.get("/1/0/1", None)), "300");
    let garbage = rig.call(Code::PUT, "/1/0", with_payload(ContentFormat::TLV, vec![0xff, 0x01]));
    assert_eq!(garbage.code, Code::BAD_REQUEST);
    assert_eq!(rig.sent(), vec![], "no Update for rejected Writes");
}

#[test]
fn execute_response_codes() {
    let mut rig = Rig::registered();
    assert_eq!(rig.call(Code::POST, "/3/0/0", |_| {}).code, Code::METHOD_NOT_ALLOWED);
    assert_eq!(
        rig.call(Code::POST, "/3/0/5", |_| {}).code,
        Code::NOT_FOUND,
        "Factory Reset is absent"
    );
    assert_eq!(rig.call(Code::POST, "/3/0/11/0", |_| {}).code, Code::METHOD_NOT_ALLOWED);
    assert_eq!(
        rig.call(Code::POST, "/1/0/8", |m| m.payload = b"0='x'".to_vec()).code,
        Code::CHANGED
    );
}

#[test]
fn create_and_delete() {
    let mut rig = Rig::registered();
    let senml = server_instance_senml(7);
    let resp = rig.call(Code::POST, "/1", with_payload(ContentFormat::SENML_JSON, senml.clone()));
    assert_eq!(
        (resp.code, resp.location_path()),
        (Code::CREATED, Some("/1/7".to_string()))
    );
    let back = records(&rig.get("/1/7", None), &Path::instance(1, 7));
    assert_eq!(value(&back, Path::resource(1, 7, 1)), Some(&Value::Integer(90)));
    let again = rig.call(Code::POST, "/1", with_payload(ContentFormat::SENML_JSON, senml.clone()));
    assert_eq!(again.code, Code::BAD_REQUEST, "instance exists");
    // Bare resource TLVs: the client picks the instance id.
    let recs = [
        Record::new(Path::resource(1, 0, 0), Value::Integer(4)),
        Record::new(Path::resource(1, 0, 1), Value::Integer(60)),
        Record::new(Path::resource(1, 0, 6), Value::Boolean(false)),
        Record::new(Path::resource(1, 0, 7), Value::String("U".into())),
    ];
    let tlv = crate::lwm2m::encode(ContentFormat::TLV, &Path::instance(1, 0), &recs).expect("encodes");
    let resp = rig.call(Code::POST, "/1", with_payload(ContentFormat::TLV, tlv));
    assert_eq!(
        (resp.code, resp.location_path()),
        (Code::CREATED, Some("/1/1".to_string()))
    );
    let missing = br#"[{"n":"/1/9/0","v":3}]"#.to_vec();
    let resp = rig.call(Code::POST, "/1", with_payload(ContentFormat::SENML_JSON, missing));
    assert_eq!(resp.code, Code::BAD_REQUEST, "mandatory resources missing");
    let device = rig.call(
        Code::POST,
        "/3",
        with_payload(ContentFormat::SENML_JSON, b"[]".to_vec()),
    );
    assert_eq!(device.code, Code::METHOD_NOT_ALLOWED, "Device is single-instance");
    let security = rig.call(
        Code::POST,
        "/0",
        with_payload(ContentFormat::SENML_JSON, b"[]".to_vec()),
    );
    assert_eq!(security.code, Code::NOT_FOUND);
    for (path, code) in [
        ("/1/7", Code::DELETED),
        ("/1/7", Code::NOT_FOUND),
        ("/3/0", Code::METHOD_NOT_ALLOWED),
        ("/1/0", Code::METHOD_NOT_ALLOWED),
        ("/1", Code::METHOD_NOT_ALLOWED),
        ("/1/1/0", Code::METHOD_NOT_ALLOWED),
        ("/0/0", Code::NOT_FOUND),
    ] {
        assert_eq!(rig.call(Code::DELETE, path, |_| {}).code, code, "DELETE {path}");
    }
    assert_eq!(rig.get("/1/7", None).code, Code::NOT_FOUND);
}

#[test]
fn duplicate_requests_get_the_cached_response() {
    let mut rig = Rig::registered();
    let senml = server_instance_senml(4);
    let mut create = rig.request(MessageType::Confirmable, Code::POST, "/1");
    create.add_uint_option(option::CONTENT_FORMAT, 110);
    create.payload = senml.clone();
    rig.deliver(&create);
    let first = rig.sent();
    assert_eq!(first.len(), 2, "2.01 and the Update: {first:#?}");
    rig.deliver(&create);
    let second = rig.sent();
    assert_eq!(
        second,
        vec![first[0].clone()],
        "the same 2.01 again, and no second Update"
    );
    assert_eq!(second[0].code, Code::CREATED);
    // Executing the trigger twice with the same Message ID sends one Update.
    let exec = rig.request(MessageType::Confirmable, Code::POST, "/1/0/8");
    rig.deliver(&exec);
    let _ = rig.sent();
    rig.deliver(&exec);
    assert_eq!(rig.sent().len(), 1, "only the cached 2.04");
}

#[test]
fn non_confirmable_requests_get_non_confirmable_responses() {
    let mut rig = Rig::registered();
    let req = rig.request(MessageType::NonConfirmable, Code::GET, "/3/0/1");
    rig.deliver(&req);
    let resp = rig.expect_one();
    assert_eq!(
        (resp.mtype, resp.code, &resp.token),
        (MessageType::NonConfirmable, Code::CONTENT, &req.token)
    );
    assert_eq!(text(&resp), "reference-client");
}

#[test]
fn unknown_critical_option_is_a_bad_option() {
    let mut rig = Rig::registered();
    let resp = rig.call(Code::GET, "/3/0/0", |m| m.add_option(9, vec![1]));
    assert_eq!(resp.code, Code(0x82), "4.02");
    // Elective options are ignored.
    let resp = rig.call(Code::GET, "/3/0/0", |m| m.add_option(2048, vec![1]));
    assert_eq!(resp.code, Code::CONTENT);
}
