//! The language additions for Bootstrap-Server DUTs: `auto_respond` with `delay`,
//! `expect: {earlier_answered: true}`, `each_request` rules and `path: {targets: [...]}`.

use super::*;

const FINISH_AFTER_ANSWERS: &str = r#"
auto_respond:
  - { method: PUT, code: "2.04", delay: 500ms }
steps:
  - send: { operation: bootstrap-request, query: { ep: "{endpoint}" } }
  - expect_response: { code: "2.04" }
  - expect: { name: Finish, method: POST, path: /bs, payload: { empty: true }, earlier_answered: true }
  - respond: { code: "2.04" }
"#;

pub(super) fn bs_setup() -> TrialSetup {
    TrialSetup {
        dut_address: Some(addr(DUT)),
        ..setup()
    }
}

pub(super) fn request(code: Code, path: &str, mid: u16) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, code, mid, vec![0xb5, mid as u8]);
    m.set_uri(path, &[]);
    m.to_bytes().expect("encodes")
}

/// Starts the bootstrap-server case whose `auto_respond`, rules and steps are `body`, and
/// answers its Bootstrap-Request with 2.04 at 10 ms.
pub(super) fn requested(body: &str) -> Engine {
    let yaml = format!("id: t\ntitle: t\ndut: bootstrap-server\nrequirements: [BS-X]\ncatches: f\n{body}");
    let mut e = Engine::new(case(&yaml), bs_setup(), Duration::ZERO);
    let out = sent(&mut e);
    assert_eq!((out[0].code, out[0].uri_path()), (Code::POST, "/bs".to_string()));
    let ack = Message::new(
        MessageType::Acknowledgement,
        Code::CHANGED,
        out[0].mid,
        out[0].token.clone(),
    );
    feed(&mut e, ms(10), ack.to_bytes().expect("encodes"));
    e
}

pub(super) fn assert_passed(e: &Engine) {
    assert_eq!(
        e.outcome().map(|o| o.judgement),
        Some(Judgement::Pass),
        "{:?}",
        e.outcome()
    );
}

#[test]
fn a_delayed_answer_goes_out_when_due_and_a_finish_after_it_passes() {
    let mut e = requested(FINISH_AFTER_ANSWERS);
    feed(&mut e, ms(20), request(Code::PUT, "/0/1", 0x301));
    assert!(sent(&mut e).is_empty(), "the Write's answer is held");
    assert_eq!(e.poll_timeout(), Some(ms(520)));
    e.handle_timeout(ms(520));
    let answer = sent(&mut e);
    assert_eq!((answer[0].mid, answer[0].code), (0x301, Code::CHANGED));
    feed(&mut e, ms(530), request(Code::POST, "/bs", 0x302));
    assert_passed(&e);
}

#[test]
fn a_request_the_case_ignores_does_not_hold_the_finish_back() {
    let mut e = requested(FINISH_AFTER_ANSWERS);
    // A Bootstrap-Discover (LwM2M 1.1): no rule answers it, so the client model does at once.
    feed(&mut e, ms(20), request(Code::GET, "/", 0x301));
    feed(&mut e, ms(30), request(Code::POST, "/bs", 0x302));
    assert_passed(&e);
}

#[test]
fn a_finish_while_a_write_is_unanswered_is_not_taken_and_the_case_fails() {
    let mut e = requested(FINISH_AFTER_ANSWERS);
    feed(&mut e, ms(20), request(Code::PUT, "/1/1", 0x301));
    feed(&mut e, ms(25), request(Code::POST, "/bs", 0x302));
    e.handle_timeout(ms(520));
    assert_eq!(sent(&mut e).len(), 1, "the held Write answer, nothing for the Finish");
    e.handle_timeout(ms(25) + Duration::from_secs(5));
    let o = e.outcome().expect("decided at the response timeout");
    assert_eq!(o.judgement, Judgement::Fail);
    let observed = o.failure.as_ref().map(|f| f.observed.as_str()).unwrap_or_default();
    assert!(o.message.contains("[BS-X]"), "{}", o.message);
    assert!(
        observed.contains("frame 4: CON POST") && observed.contains("had not yet answered frame 3 (PUT /1/1)"),
        "{observed}"
    );
}

const DELETE_TARGETS: &str = r#"
auto_respond:
  - { method: DELETE, code: "2.02" }
each_request:
  - { name: Delete targets / or an instance, method: DELETE, path: { targets: [root, instance] } }
steps:
  - send: { operation: bootstrap-request, query: { ep: "{endpoint}" } }
  - expect_response: { code: "2.04" }
  - expect: { method: POST, path: /bs, within: 10s }
"#;

#[test]
fn each_request_rules_pass_what_they_allow_and_fail_at_once_on_the_rest() {
    let mut e = requested(DELETE_TARGETS);
    feed(&mut e, ms(20), request(Code::DELETE, "/", 0x301));
    feed(&mut e, ms(30), request(Code::DELETE, "/0/2", 0x302));
    assert_eq!(e.outcome(), None);
    feed(&mut e, ms(40), request(Code::DELETE, "/1", 0x303));
    let o = e.outcome().expect("failed at once");
    assert_eq!(o.judgement, Judgement::Fail);
    let f = o.failure.as_ref().expect("a failure");
    assert_eq!(
        (f.step_name.as_str(), f.frames.as_slice()),
        ("rule: Delete targets / or an instance", &[7][..])
    );
    assert!(
        f.observed
            .contains("path /1 targets an Object, expected \"/\" or an Object Instance"),
        "{}",
        f.observed
    );
}
