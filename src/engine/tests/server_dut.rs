//! Server DUTs (the harness is the LwM2M Client): a refused Register blocks what it does not
//! judge (`code_is_setup`), and `query_across_requests` gathers query parameters over several
//! requests.

use super::*;

/// Starts a server case whose steps are `steps` (the harness's `server` endpoint plays the
/// client; the DUT's address is known, as for a launched server DUT).
fn server_case(steps: &str) -> Engine {
    let yaml = format!("id: t\ntitle: t\ndut: server\nrequirements: [REG-X]\ncatches: f\nsteps:{steps}");
    let setup = TrialSetup {
        dut_address: Some(addr(DUT)),
        ..setup()
    };
    Engine::new(case(&yaml), setup, Duration::ZERO)
}

fn answer(to: &Message, code: Code) -> Vec<u8> {
    Message::new(MessageType::Acknowledgement, code, to.mid, to.token.clone())
        .to_bytes()
        .expect("encodes")
}

const LOCATION: &str = r#"
  - send: { operation: register, query: { ep: "{endpoint}" }, payload: "</1/0>" }
  - expect_response: { code: "2.01", code_is_setup: true, location: { starts_with: /rd/ } }
"#;

#[test]
fn a_refused_register_blocks_a_case_about_its_location() {
    let mut e = server_case(LOCATION);
    let reg = sent(&mut e);
    feed(&mut e, ms(5), answer(&reg[0], Code::BAD_REQUEST));
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Inconclusive, "{o:?}");
    assert!(
        o.message.starts_with("blocked by: Register answered 4.00 at frame 2"),
        "{}",
        o.message
    );
}

#[test]
fn a_refused_register_in_a_set_up_step_says_what_blocked_the_case() {
    let mut e = server_case(
        r#"
  - send: { operation: register, query: { ep: "{endpoint}" }, payload: "</1/0>" }
  - expect_response: { code: "2.01", setup: true }
"#,
    );
    let reg = sent(&mut e);
    feed(&mut e, ms(5), answer(&reg[0], Code::BAD_REQUEST));
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Inconclusive, "{o:?}");
    assert!(
        o.message.starts_with("blocked by: Register answered 4.00 at frame 2"),
        "{}",
        o.message
    );
}

#[test]
fn an_accepted_register_is_judged_on_its_location() {
    let mut e = server_case(LOCATION);
    let reg = sent(&mut e);
    let created = created(&reg[0], "/reg/1");
    feed(&mut e, ms(5), created.to_bytes().expect("encodes"));
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Fail, "{o:?}");
    assert!(o.message.contains("[REG-X]"), "{}", o.message);
}

const ATTRIBUTES: &str = r#"
  - expect:
      method: PUT
      path: /3/0/9
      query: { pmin: "1", pmax: "5", gt: "50", st: { one_of: ["2"], optional: true } }
      query_across_requests: { answer: "2.04" }
  - respond: { code: "2.04" }
"#;

fn write_attributes(mid: u16, query: &[(&str, &str)]) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::PUT, mid, vec![0x0a, mid as u8]);
    let q: Vec<(String, Option<String>)> = query
        .iter()
        .map(|(k, v)| (k.to_string(), Some(v.to_string())))
        .collect();
    m.set_uri("/3/0/9", &q);
    m.to_bytes().expect("encodes")
}

#[test]
fn query_parameters_gathered_over_two_requests_pass_and_each_is_answered() {
    let mut e = server_case(ATTRIBUTES);
    feed(&mut e, ms(5), write_attributes(0x101, &[("pmin", "1"), ("pmax", "5")]));
    let first = sent(&mut e);
    assert_eq!((first.len(), first[0].mid, first[0].code), (1, 0x101, Code::CHANGED));
    assert_eq!(e.outcome(), None, "gt still missing");
    feed(&mut e, ms(10), write_attributes(0x102, &[("gt", "50")]));
    let second = sent(&mut e);
    assert_eq!(
        (second[0].mid, second[0].code),
        (0x102, Code::CHANGED),
        "by the respond step"
    );
    assert_eq!(e.outcome().map(|o| o.judgement), Some(Judgement::Pass));
}

#[test]
fn a_parameter_that_never_comes_fails_and_a_wrong_value_is_not_gathered() {
    let mut e = server_case(ATTRIBUTES);
    feed(&mut e, ms(5), write_attributes(0x101, &[("pmin", "1"), ("pmax", "5")]));
    feed(&mut e, ms(10), write_attributes(0x102, &[("gt", "49")]));
    e.handle_timeout(ms(5_000));
    let o = e.outcome().expect("decided at the response timeout");
    assert_eq!(o.judgement, Judgement::Fail);
    let f = o.failure.as_ref().expect("a failure");
    assert!(f.expected.contains("carrying gt"), "{}", f.expected);
    assert!(
        f.observed.contains("only pmax (frame 1), pmin (frame 1) arrived") && f.observed.contains("expected `50`"),
        "{}",
        f.observed
    );
}

#[test]
fn a_response_that_reaches_another_port_of_the_client_is_shown_not_taken() {
    let mut e = server_case(LOCATION);
    let reg = sent(&mut e);
    let created = created(&reg[0], "/rd/1");
    // The harness's client sent the Register from SERVER; the answer goes to another port.
    e.handle(
        ms(5),
        Event::Datagram {
            from: addr(DUT),
            to: addr("127.9.9.9:5684"),
            bytes: created.to_bytes().expect("encodes"),
        },
    );
    assert_eq!(e.outcome(), None, "not the Register's answer");
    e.handle_timeout(ms(5_000));
    let o = e.outcome().expect("decided at the response timeout");
    let observed = o.failure.as_ref().map(|f| f.observed.as_str()).unwrap_or_default();
    assert!(observed.contains("a response sent to 127.9.9.9:5684"), "{observed}");
}

/// The 2.01 a server answers the Register `reg` with, at `location`.
fn created(reg: &Message, location: &str) -> Message {
    let mut m = Message::new(MessageType::Acknowledgement, Code::CREATED, reg.mid, reg.token.clone());
    m.set_location_path(location);
    m
}

#[test]
fn an_undelivered_trigger_is_a_harness_error_naming_it_not_a_dut_verdict() {
    let yaml = "id: t\ntitle: t\ndut: server\nrequirements: [REG-X]\ncatches: f\nsteps:
  - trigger: { operation: read, path: /3/0/0 }
  - expect: { method: GET, path: /3/0/0 }
";
    let spec = parse_yaml(FsPath::new("p.yaml"), "http: { url: \"http://127.0.0.1:9/x\" }").expect("trigger parses");
    let setup = TrialSetup {
        dut_address: Some(addr(DUT)),
        triggers: [("read".to_string(), spec)].into(),
        ..setup()
    };
    let mut e = Engine::new(case(yaml), setup, Duration::ZERO);
    let mut triggered = Vec::new();
    while let Some(a) = e.poll_action() {
        if let Action::Trigger { operation, .. } = a {
            triggered.push(operation);
        }
    }
    assert_eq!(triggered, ["read"]);
    e.handle(
        ms(10),
        Event::TriggerFailed {
            operation: "read".into(),
            error: "POST http://127.0.0.1:9/x: connection refused".into(),
        },
    );
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Error, "{o:?}");
    assert!(
        o.message.starts_with("trigger `read` could not be delivered: POST"),
        "{}",
        o.message
    );
}

/// A trigger that uses a value the DUT prints (profile `captures`) waits for it: written once
/// the value is there, with it; inconclusive when the DUT never prints it.
#[test]
fn a_trigger_waits_for_the_console_value_it_uses() {
    let yaml = "id: t\ntitle: t\ndut: server\nrequirements: [REG-X]\ncatches: f\nsteps:
  - trigger: { operation: read, path: /3/0/0 }
  - expect: { method: GET, path: /3/0/0 }
";
    let spec: crate::profile::TriggerSpec =
        parse_yaml(FsPath::new("p.yaml"), "stdin: \"read {client_id} {path}\"").expect("trigger parses");
    let setup = || TrialSetup {
        dut_address: Some(addr(DUT)),
        triggers: [("read".to_string(), spec.clone())].into(),
        console: vec!["client_id".into()],
        ..setup()
    };
    let triggered = |e: &mut Engine| {
        let mut out = Vec::new();
        while let Some(a) = e.poll_action() {
            if let Action::Trigger { action, .. } = a {
                out.push(action);
            }
        }
        out
    };
    let mut e = Engine::new(case(yaml), setup(), Duration::ZERO);
    assert!(triggered(&mut e).is_empty(), "nothing to write yet");
    assert_eq!(
        e.poll_timeout(),
        Some(Duration::from_secs(5)),
        "bounded by the response timeout"
    );
    e.handle(
        ms(300),
        Event::Console {
            name: "client_id".into(),
            value: "7".into(),
        },
    );
    assert_eq!(
        triggered(&mut e),
        [crate::engine::TriggerAction::Stdin("read 7 /3/0/0".into())]
    );
    assert!(e.transcript().join("\n").contains("the DUT printed {client_id} = `7`"));

    let mut never = Engine::new(case(yaml), setup(), Duration::ZERO);
    never.handle_timeout(Duration::from_secs(5));
    let o = never.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Inconclusive, "{o:?}");
    assert!(o.message.contains("capture of {client_id}"), "{}", o.message);
}
