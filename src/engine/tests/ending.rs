//! How a trial ends: a capture that loses a frame, and the teardown's De-register.

use super::*;

const REGISTER_AND_ANSWER: &str = r#"
  - expect: { as: register, method: POST, path: /rd, within: startup }
  - respond: { to: register, code: "2.01", location: "/rd/{reg_id}" }
"#;

fn deregister(mid: u16, location: &str) -> Vec<u8> {
    let mut m = Message::new(MessageType::Confirmable, Code::DELETE, mid, vec![0xde, 0x01]);
    m.set_uri(location, &[]);
    m.to_bytes().expect("encodes")
}

fn lost(frame: u32) -> Event {
    Event::EvidenceLost {
        file: "captures/t.pcap".into(),
        frame,
        error: "No space left on device (os error 28)".into(),
    }
}

/// A passed trial: Register answered with 2.01; the registration location.
fn passed() -> (Engine, String) {
    let mut e = Engine::new(client_case("REG-X", REGISTER_AND_ANSWER), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register(0x100));
    let ack = sent(&mut e).pop().expect("the Register is answered");
    assert_eq!(e.outcome().map(|o| o.judgement), Some(Judgement::Pass));
    let location = ack.location_path().expect("a location");
    (e, location)
}

#[test]
fn a_lost_frame_before_the_verdict_ends_the_trial_as_an_error_naming_the_capture() {
    let mut e = Engine::new(
        client_case("REG-X", "\n  - expect_none: { within: quiet }\n"),
        setup(),
        Duration::ZERO,
    );
    // The transport gives the loss right after the datagram it could not write.
    feed(&mut e, ms(50), register(0x100));
    e.handle(ms(50), lost(1));
    let o = e.outcome().expect("decided at once");
    assert_eq!(o.judgement, Judgement::Error, "{o:?}");
    assert!(
        o.message
            .starts_with("the capture captures/t.pcap could not be written (frame 1: No space"),
        "{}",
        o.message
    );
    assert!(
        e.transcript()
            .iter()
            .any(|l| l.contains("frame 1 could not be written to the capture captures/t.pcap")),
        "{:?}",
        e.transcript()
    );
    assert_eq!(e.poll_timeout(), None, "nothing more to wait for");
}

#[test]
fn a_lost_frame_after_a_pass_takes_the_pass_away_and_keeps_what_it_said() {
    let (mut e, _) = passed();
    e.handle(ms(200), lost(2));
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Error);
    assert!(o.message.contains("captures/t.pcap"), "{}", o.message);
    assert!(
        o.message.ends_with("the trial had ended pass: all 2 steps passed"),
        "{}",
        o.message
    );
}

#[test]
fn a_lost_frame_leaves_a_harness_error_or_an_interruption_as_it_was() {
    let mut e = Engine::new(
        client_case("REG-X", "\n  - expect_none: { within: quiet }\n"),
        setup(),
        Duration::ZERO,
    );
    let interrupted = Outcome {
        judgement: Judgement::Interrupted,
        message: "interrupted by SIGINT".into(),
        failure: None,
    };
    e.end(interrupted.clone());
    e.handle(ms(10), lost(1));
    assert_eq!(e.outcome(), Some(&interrupted));
    assert!(e.transcript().iter().any(|l| l.contains("could not be written")));
}

#[test]
fn the_teardown_de_register_is_answered_through_the_engine_and_in_the_transcript() {
    let (mut e, location) = passed();
    let before = e.outcome().cloned();
    e.handle(ms(300), Event::Teardown);
    feed(&mut e, ms(310), deregister(0x101, &location));
    let ack = sent(&mut e);
    assert_eq!(ack.len(), 1, "{ack:?}");
    assert_eq!(
        (ack[0].mtype, ack[0].code, ack[0].mid),
        (MessageType::Acknowledgement, Code::DELETED, 0x101)
    );
    // A retransmission of it (the answer was lost) is answered again.
    feed(&mut e, ms(2310), deregister(0x101, &location));
    assert_eq!(sent(&mut e).len(), 1);
    e.handle(
        ms(2400),
        Event::DutExited {
            status: "exit status 0".into(),
        },
    );
    assert_eq!(e.outcome().cloned(), before, "the verdict stays");
    let t = e.transcript();
    let at = |needle: &str| {
        t.iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in\n{}", t.join("\n")))
    };
    let teardown = at("teardown: the harness stops the DUT (SIGTERM)");
    let dereg = at("De-register");
    let answered = at("teardown: answered the De-register /rd/");
    let exited = at("DUT process exited (exit status 0)");
    assert!(
        teardown < dereg && dereg < answered && answered < exited,
        "{}",
        t.join("\n")
    );
    assert!(
        t[answered + 1].contains("2.02"),
        "the 2.02 is a frame of its own:\n{}",
        t.join("\n")
    );
}

#[test]
fn in_the_teardown_nothing_is_judged_and_only_a_delete_is_answered() {
    let mut e = Engine::new(client_case("REG-X", REGISTER_AND_ANSWER), setup(), Duration::ZERO);
    e.end(Outcome {
        judgement: Judgement::Interrupted,
        message: "interrupted".into(),
        failure: None,
    });
    e.handle(ms(10), Event::Teardown);
    // The Register the case waited for arrives now: recorded, not taken, not answered.
    feed(&mut e, ms(20), register(0x100));
    assert!(sent(&mut e).is_empty());
    assert_eq!(e.outcome().map(|o| o.judgement), Some(Judgement::Interrupted));
    assert!(e.transcript().iter().any(|l| l.contains("Register")));
}

#[test]
fn a_datagram_that_did_not_go_out_ends_the_trial_as_a_harness_error_naming_it() {
    let steps = format!("{REGISTER_AND_ANSWER}  - expect_none: {{ request: true, within: quiet }}\n");
    let mut e = Engine::new(client_case("REG-X", &steps), setup(), Duration::ZERO);
    feed(&mut e, ms(100), register(0x100));
    let mut frames = Vec::new();
    while let Some(a) = e.poll_action() {
        if let Action::Send { frame, to, .. } = a {
            frames.push((frame, to));
        }
    }
    assert_eq!(frames, [(2, addr(DUT))], "the 2.01 is frame 2");
    assert_eq!(e.outcome(), None, "the quiet window runs");
    e.handle(
        ms(100),
        Event::SendFailed {
            frame: 2,
            to: addr(DUT),
            error: "Network is unreachable (os error 101)".into(),
        },
    );
    let o = e.outcome().expect("decided");
    assert_eq!(o.judgement, Judgement::Error);
    assert_eq!(
        o.message,
        format!("the harness could not send frame 2 to {DUT}: Network is unreachable (os error 101)")
    );
    assert!(e.transcript().iter().any(|l| l.contains("frame 2 could not be sent")));
}
