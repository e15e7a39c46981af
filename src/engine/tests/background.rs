//! Background answers (`engine::background`): as the LwM2M Client of a server or
//! Bootstrap-Server DUT, the harness answers from its object model every request no step can
//! take, and leaves alone the ones a step may still take.

use super::server_role::{assert_passed, bs_setup, request, requested};
use super::*;
use crate::lwm2m::{self, Content};

/// A Bootstrap-Server case that scripts nothing but the Finish.
const FINISH_ONLY: &str = r#"
auto_respond:
  - { method: PUT, code: "2.04" }
  - { method: DELETE, code: "2.02" }
steps:
  - send: { operation: bootstrap-request, query: { ep: "{endpoint}" } }
  - expect_response: { code: "2.04" }
  - expect: { method: POST, path: /bs, within: 10s }
  - respond: { code: "2.04" }
"#;

fn get(path: &str, accept: Option<ContentFormat>, mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::GET, mid, vec![0xd1, mid as u8]);
    m.set_uri(path, &[]);
    if let Some(a) = accept {
        m.add_uint_option(option::ACCEPT, u32::from(a.0));
    }
    m.to_bytes().expect("encodes")
}

fn write(path: &str, records: &[lwm2m::Record], mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::PUT, mid, vec![0xd2, mid as u8]);
    m.set_uri(path, &[]);
    let base: lwm2m::Path = path.parse().expect("a path");
    m.payload = lwm2m::encode(ContentFormat::TLV, &base, records).expect("encodes");
    m.add_uint_option(option::CONTENT_FORMAT, u32::from(ContentFormat::TLV.0));
    m.to_bytes().expect("encodes")
}

fn links(m: &Message) -> String {
    String::from_utf8_lossy(&m.payload).into_owned()
}

#[test]
fn a_bootstrap_discover_no_step_takes_is_answered_at_once_from_the_model_and_marked() {
    let mut e = requested(FINISH_ONLY);
    feed(&mut e, ms(20), get("/", Some(ContentFormat::LINK_FORMAT), 0x301));
    let out = sent(&mut e);
    assert_eq!(out.len(), 1, "{out:?}");
    let a = &out[0];
    assert_eq!(
        (a.mtype, a.mid, a.code),
        (MessageType::Acknowledgement, 0x301, Code::CONTENT)
    );
    assert_eq!(a.content_format(), Some(ContentFormat::LINK_FORMAT.0));
    let body = links(a);
    assert!(body.starts_with("</>;lwm2m=1.1,"), "{body}");
    assert!(body.contains(&format!("</0/0>;uri=coap://{DUT}")), "{body}");
    assert!(body.contains("</3/0>"), "{body}");
    assert!(
        e.transcript()
            .iter()
            .any(|l| l.contains("background: answered Bootstrap-Discover / as the client model says (2.05 Content)")),
        "{:#?}",
        e.transcript()
    );
    feed(&mut e, ms(30), request(Code::POST, "/bs", 0x302));
    assert_passed(&e);
}

#[test]
fn writes_and_deletes_change_the_model_that_reads_and_discovers_show() {
    let mut e = requested(FINISH_ONLY);
    // The Writes are answered by the case's rule, and still land in the model.
    let server = [
        lwm2m::Record::new(lwm2m::Path::resource(1, 4, 0), lwm2m::Value::Integer(7)),
        lwm2m::Record::new(lwm2m::Path::resource(1, 4, 1), lwm2m::Value::Integer(60)),
    ];
    feed(&mut e, ms(20), write("/1/4", &server, 0x301));
    assert_eq!(sent(&mut e)[0].code, Code::CHANGED);
    feed(&mut e, ms(25), get("/1/4", Some(ContentFormat::TLV), 0x302));
    let read = sent(&mut e);
    assert_eq!(read[0].code, Code::CONTENT);
    let base = lwm2m::Path::instance(1, 4);
    let decoded = lwm2m::decode(Some(ContentFormat::TLV), &base, &read[0].payload).expect("TLV");
    assert_eq!(decoded, Content::Records(server.to_vec()));
    // 1.1 Bootstrap-Read reaches the Server and Access Control Objects only.
    feed(&mut e, ms(26), get("/0/0", None, 0x303));
    assert_eq!(sent(&mut e)[0].code, Code::METHOD_NOT_ALLOWED);
    feed(&mut e, ms(27), get("/1", Some(ContentFormat::LINK_FORMAT), 0x304));
    assert_eq!(links(&sent(&mut e)[0]), "</1/4>;ssid=7");
    // Delete "/" keeps the Bootstrap-Server Account only.
    feed(&mut e, ms(30), request(Code::DELETE, "/", 0x305));
    assert_eq!(sent(&mut e)[0].code, Code::DELETED);
    feed(&mut e, ms(35), get("/", Some(ContentFormat::LINK_FORMAT), 0x306));
    let body = links(&sent(&mut e)[0]);
    assert!(
        body.contains("</0/0>") && !body.contains("</1/4>") && !body.contains("</3/0>"),
        "{body}"
    );
}

/// A server case that holds a Read of /3/0 for a later step.
const HOLD_THE_READ: &str = r#"
steps:
  - send: { as: reg, operation: register, query: { ep: "{endpoint}" }, payload: "</1/0>,</3/0>,</5/0>" }
  - expect_response: { to: reg, code: "2.01", capture: { location: location } }
  - expect_none: { request: false, response_to: reg, within: 1s }
  - expect: { as: read, method: GET, path: /3/0, within: 5s }
  - respond: { to: read, code: "2.05", content_format: text, payload: "scripted" }
  - expect_none: { response_to: reg, within: 500ms }
"#;

fn server_case() -> Engine {
    let yaml = format!("id: t\ntitle: t\ndut: server\nrequirements: [X]\ncatches: f\n{HOLD_THE_READ}");
    let mut e = Engine::new(case(&yaml), bs_setup(), Duration::ZERO);
    let out = sent(&mut e);
    let mut created = Message::new(
        MessageType::Acknowledgement,
        Code::CREATED,
        out[0].mid,
        out[0].token.clone(),
    );
    created.set_location_path("/rd/1");
    feed(&mut e, ms(10), created.to_bytes().expect("encodes"));
    e
}

#[test]
fn a_request_a_later_step_may_take_waits_for_it_while_others_are_answered() {
    let mut e = server_case();
    // During the quiet window: the Read of /3/0 is for step 4, the Discover of /5/0 for nobody.
    feed(&mut e, ms(100), get("/3/0", Some(ContentFormat::TLV), 0x401));
    assert!(sent(&mut e).is_empty(), "held for the `expect` of step 4");
    feed(&mut e, ms(200), get("/5/0", Some(ContentFormat::LINK_FORMAT), 0x402));
    let out = sent(&mut e);
    assert_eq!((out.len(), out[0].mid, out[0].code), (1, 0x402, Code::CONTENT));
    assert_eq!(links(&out[0]), "</5/0>", "an instance the Register announced");
    // A second Read of /3/0: once step 4 took the first, no step can take it any more.
    feed(&mut e, ms(300), get("/3/0", Some(ContentFormat::TLV), 0x403));
    assert!(sent(&mut e).is_empty(), "step 4 may still take it");
    e.handle_timeout(ms(1010));
    let out = sent(&mut e);
    let answers: Vec<(u16, Code, Vec<u8>)> = out.iter().map(|m| (m.mid, m.code, m.payload.clone())).collect();
    assert_eq!(
        answers[0],
        (0x401, Code::CONTENT, b"scripted".to_vec()),
        "the step's own answer first"
    );
    assert_eq!((answers[1].0, answers[1].1), (0x403, Code::CONTENT), "then the model's");
    e.handle_timeout(ms(1510));
    assert_passed(&e);
}

#[test]
fn a_client_dut_gets_no_background_answers() {
    let yaml = "id: t\ntitle: t\ndut: client\nrequirements: [X]\ncatches: f\nsteps:\n  - expect_none: { request: false, within: 1s }\n";
    let mut e = Engine::new(case(yaml), setup(), Duration::ZERO);
    feed(&mut e, ms(10), get("/3/0", None, 0x501));
    assert!(sent(&mut e).is_empty(), "a server's silence is a case's choice");
}

const VERSIONED_DELETE: &str = r#"
auto_respond:
  - { method: DELETE, code: "2.02" }
each_request:
  - { versions: ["1.0"], method: DELETE, path: { targets: [root, instance] } }
  - { versions: ["1.1"], method: DELETE, path: { targets: [root, object, instance] } }
steps:
  - send: { operation: bootstrap-request, query: { ep: "{endpoint}" } }
  - expect_response: { code: "2.04" }
  - expect: { method: POST, path: /bs, within: 10s }
"#;

#[test]
fn a_versioned_rule_judges_each_dut_by_its_own_version() {
    let run = |version: crate::lwm2m::LwM2mVersion| {
        let yaml =
            format!("id: t\ntitle: t\ndut: bootstrap-server\nrequirements: [BS-X]\ncatches: f\n{VERSIONED_DELETE}");
        let setup = TrialSetup {
            lwm2m_version: version,
            ..bs_setup()
        };
        let mut e = Engine::new(case(&yaml), setup, Duration::ZERO);
        let out = sent(&mut e);
        let ack = Message::new(
            MessageType::Acknowledgement,
            Code::CHANGED,
            out[0].mid,
            out[0].token.clone(),
        );
        feed(&mut e, ms(10), ack.to_bytes().expect("encodes"));
        feed(&mut e, ms(20), request(Code::DELETE, "/1", 0x601));
        feed(&mut e, ms(30), request(Code::POST, "/bs", 0x602));
        e.outcome().map(|o| o.judgement)
    };
    assert_eq!(run(crate::lwm2m::LwM2mVersion::V1_0), Some(Judgement::Fail));
    assert_eq!(run(crate::lwm2m::LwM2mVersion::V1_1), Some(Judgement::Pass));
}

#[test]
fn a_client_dut_gets_its_updates_and_deregister_answered_as_a_server_would() {
    let yaml = "id: t\ntitle: t\ndut: client\nrequirements: [X]\ncatches: f\nsteps:\n\
                \x20 - expect: { method: POST, path: /rd, within: 1s }\n\
                \x20 - respond: { code: \"2.01\", location: /rd/7 }\n\
                \x20 - expect: { method: PUT, path: /never, within: 1s }\n";
    let mut e = Engine::new(case(yaml), setup(), Duration::ZERO);
    feed(&mut e, ms(10), register(0x600));
    assert_eq!(sent(&mut e)[0].code, Code::CREATED);
    // An Update of the location handed out: nothing scripts it, so the server answers 2.04.
    let mut update = Message::new(MessageType::Confirmable, Code::POST, 0x601, vec![0x61]);
    update.set_uri("/rd/7", &[]);
    feed(&mut e, ms(20), update.to_bytes().expect("encodes"));
    let out = sent(&mut e);
    assert_eq!((out[0].mid, out[0].code), (0x601, Code::CHANGED), "{out:?}");
    // A second Register is not answered: holding one is a case's probe.
    feed(&mut e, ms(30), register(0x602));
    assert!(
        sent(&mut e).is_empty(),
        "a Register is never answered in the background"
    );
    let mut dereg = Message::new(MessageType::Confirmable, Code::DELETE, 0x603, vec![0x63]);
    dereg.set_uri("/rd/7", &[]);
    feed(&mut e, ms(40), dereg.to_bytes().expect("encodes"));
    let out = sent(&mut e);
    assert_eq!((out[0].mid, out[0].code), (0x603, Code::DELETED), "{out:?}");
    assert!(e.transcript().join("\n").contains("background: answered Update /rd/7"));
}
