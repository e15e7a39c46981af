//! Each check shown passing on a conformant exchange and failing on one that breaks it.

use super::{Exchange, Finding, Verdict, analyze, text};
use crate::case::Catalogue;
use crate::coap::{Code, Message, MessageType};
use crate::dialogue::annotate_all;
use crate::dialogue::script::*;

fn findings(s: &Script) -> Vec<Finding> {
    let (items, roles) = annotate_all(&s.datagrams());
    analyze(&Exchange {
        items: &items,
        roles: &roles,
    })
}

/// The verdict and frames of the finding for `id`.
fn judged(s: &Script, id: &str) -> (Verdict, Vec<u32>) {
    let f = findings(s);
    let f = f.iter().find(|f| f.requirement == id).expect("a check for the ID");
    (f.verdict, f.frames.clone())
}

fn catalogue() -> Catalogue {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases/requirements.yaml");
    crate::case::load::load_catalogue(&file).expect("the shipped catalogue loads")
}

#[test]
fn every_check_cites_a_catalogue_requirement() {
    let c = catalogue();
    for f in findings(&conformant_session()) {
        assert!(
            c.get(f.requirement).is_some(),
            "{} is not in the catalogue",
            f.requirement
        );
    }
}

#[test]
fn a_conformant_exchange_passes_every_check_it_can_judge() {
    let s = conformant_session();
    let f = findings(&s);
    let c = catalogue();
    let lines = text::render(&f, &c, false);
    assert!(f.iter().all(|f| f.verdict != Verdict::Fail), "{lines:#?}");
    let not_observed: Vec<&str> = f
        .iter()
        .filter(|f| f.verdict == Verdict::NotObserved)
        .map(|f| f.requirement)
        .collect();
    // Only a misbehaving server makes a client's ignoring observable.
    assert_eq!(
        not_observed,
        [
            "BS-CLIENT-IGNORE-REQUESTS-DURING-BOOTSTRAP",
            "DM-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
            "IR-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK"
        ]
    );
    insta::assert_snapshot!(lines.join("\n"));
}

#[test]
fn bootstrap_finish_with_a_payload_fails() {
    let mut s = Script::default();
    bootstrap(&mut s, with_payload(request(Code::POST, "/bs", &[]), 0, b"done"));
    assert_eq!(judged(&s, "BS-BSSERVER-SEND-FINISH"), (Verdict::Fail, vec![7]));
}

#[test]
fn a_write_after_the_finish_fails() {
    let mut s = Script::default();
    let req = s.send(CLIENT, BOOTSTRAP, request(Code::POST, "/bs", &["ep=dev1"]));
    s.answer(&req, BOOTSTRAP, CLIENT, Code::CHANGED);
    let fin = s.send(BOOTSTRAP, CLIENT, request(Code::POST, "/bs", &[]));
    s.send(BOOTSTRAP, CLIENT, request(Code::PUT, "/1/0/1", &[]));
    s.answer(&fin, CLIENT, BOOTSTRAP, Code::CHANGED);
    assert_eq!(
        judged(&s, "BS-BSSERVER-FINISH-AFTER-ALL-WRITES"),
        (Verdict::Fail, vec![3, 4])
    );
}

/// A server Read reaching a client between its Bootstrap-Request and the Bootstrap-Finish.
fn read_during_bootstrap(answered: bool) -> Script {
    let mut s = registered("/rd/1");
    let req = s.send(CLIENT, BOOTSTRAP, request(Code::POST, "/bs", &["ep=dev1"]));
    s.answer(&req, BOOTSTRAP, CLIENT, Code::CHANGED);
    let read = s.send(SERVER, CLIENT, request(Code::GET, "/3/0", &[]));
    if answered {
        s.answer(&read, CLIENT, SERVER, Code::CONTENT);
    }
    let fin = s.send(BOOTSTRAP, CLIENT, request(Code::POST, "/bs", &[]));
    s.answer(&fin, CLIENT, BOOTSTRAP, Code::CHANGED);
    s
}

#[test]
fn a_client_answering_a_server_during_bootstrap_fails() {
    let id = "BS-CLIENT-IGNORE-REQUESTS-DURING-BOOTSTRAP";
    assert_eq!(judged(&read_during_bootstrap(false), id), (Verdict::Pass, vec![5]));
    assert_eq!(judged(&read_during_bootstrap(true), id), (Verdict::Fail, vec![3, 5, 6]));
}

#[test]
fn a_location_outside_rd_fails() {
    let s = registered("/reg/7");
    assert_eq!(judged(&s, "REG-SERVER-LOCATION-UNDER-RD"), (Verdict::Fail, vec![1, 2]));
}

#[test]
fn update_and_deregister_elsewhere_than_the_location_fail() {
    let mut s = registered("/rd/5a3f");
    let r = request(Code::POST, "/rd/other", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::NOT_FOUND);
    let r = request(Code::DELETE, "/foo", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::NOT_FOUND);
    assert_eq!(
        judged(&s, "REG-CLIENT-SUPPORT-REGISTER-UPDATE"),
        (Verdict::Fail, vec![2, 3])
    );
    assert_eq!(
        judged(&s, "REG-CLIENT-SHOULD-SUPPORT-DEREGISTER"),
        (Verdict::Fail, vec![2, 5])
    );
}

/// A request sent while the Register is unanswered, answered or not before the 2.01.
fn early(req: Message, answered: bool) -> Script {
    let mut s = Script::default();
    let reg = s.send(CLIENT, SERVER, request(Code::POST, "/rd", &["ep=dev1"]));
    let early = s.send(SERVER, CLIENT, req);
    if answered {
        s.answer(&early, CLIENT, SERVER, Code::CONTENT);
    }
    let mut ack = piggybacked(&reg, Code::CREATED);
    ack.set_location_path("/rd/1");
    s.send(SERVER, CLIENT, ack);
    s
}

#[test]
fn requests_before_the_registration_ack_fail_the_server_and_answering_them_fails_the_client() {
    let read = || request(Code::GET, "/3/0", &[]);
    let observe = || with_observe(request(Code::GET, "/3/0/13", &[]), 0);
    for (req, dm) in [(read(), true), (observe(), false)] {
        let (server, client) = if dm {
            (
                "DM-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
                "DM-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
            )
        } else {
            (
                "IR-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
                "IR-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
            )
        };
        let ignored = early(req.clone(), false);
        assert_eq!(judged(&ignored, server), (Verdict::Fail, vec![1, 2]));
        assert_eq!(judged(&ignored, client), (Verdict::Pass, vec![2]));
        let answered = early(req, true);
        assert_eq!(judged(&answered, client), (Verdict::Fail, vec![1, 2, 3]));
    }
    // The request type of the other interface is not judged by this one.
    assert_eq!(
        judged(&early(read(), true), "IR-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK").0,
        Verdict::NotObserved
    );
}

#[test]
fn a_request_after_deregistration_fails_the_server() {
    let mut s = registered("/rd/1");
    let r = request(Code::DELETE, "/rd/1", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::DELETED);
    s.send(SERVER, CLIENT, request(Code::GET, "/3/0", &[]));
    assert_eq!(
        judged(&s, "DM-SERVER-NO-OPERATION-BEFORE-REGISTRATION"),
        (Verdict::Fail, vec![4, 5])
    );
}

#[test]
fn a_servers_delete_of_the_root_fails() {
    let mut s = registered("/rd/1");
    let r = request(Code::DELETE, "/", &[]);
    exchange(&mut s, SERVER, CLIENT, r, Code::BAD_REQUEST);
    assert_eq!(
        judged(&s, "DM-SERVER-DELETE-ROOT-ONLY-IN-BOOTSTRAP"),
        (Verdict::Fail, vec![3])
    );
}

#[test]
fn pmax_not_above_pmin_fails() {
    let mut s = registered("/rd/1");
    let wa = request(Code::PUT, "/3/0/13", &["pmin=10", "pmax=5"]);
    exchange(&mut s, SERVER, CLIENT, wa, Code::CHANGED);
    assert_eq!(judged(&s, "DM-SERVER-PMAX-GREATER-THAN-PMIN"), (Verdict::Fail, vec![3]));
}

#[test]
fn an_observe_of_a_resource_without_an_object_instance_fails() {
    // An Observe with these Uri-Path segments, from the server to a registered client.
    let judged_observe = |segments: &[&str]| {
        let mut s = registered("/rd/1");
        let mut obs = with_observe(Message::new(MessageType::Confirmable, Code::GET, 0, Vec::new()), 0);
        for seg in segments {
            obs.add_option(crate::coap::message::option::URI_PATH, seg.as_bytes().to_vec());
        }
        exchange(&mut s, SERVER, CLIENT, obs, Code::CONTENT);
        judged(&s, "IR-SERVER-OBSERVE-NO-RESOURCE-WITHOUT-INSTANCE")
    };
    assert_eq!(judged_observe(&["3", "", "13"]), (Verdict::Fail, vec![3]));
    // The same Resource of one instance passes; an Observe of the whole Object is not judged.
    assert_eq!(judged_observe(&["3", "0", "13"]), (Verdict::Pass, vec![3]));
    assert_eq!(judged_observe(&["3"]).0, Verdict::NotObserved);
}

#[test]
fn a_notification_of_an_object_with_only_the_changed_resource_fails() {
    let mut s = registered("/rd/1");
    let obs = observe_server_object(&mut s);
    s.send(CLIENT, SERVER, notification(&obs, 2, &server_instance(true)));
    assert_eq!(judged(&s, "IR-CLIENT-NOTIFY-PER-INSTANCE"), (Verdict::Fail, vec![3, 5]));
    let f = findings(&s);
    let f = f.iter().find(|f| f.requirement == "IR-CLIENT-NOTIFY-PER-INSTANCE");
    assert_eq!(
        f.map(|f| f.details.clone()),
        Some(vec![
            "frame 5: the notification of the Observe of /1 (frame 3) /1/0 lacks Resources 0, 1, 7".to_string()
        ])
    );
}

#[test]
fn a_request_to_a_sleeping_queue_mode_client_fails() {
    let mut s = Script::default();
    s.register(&["ep=dev1", "b=UQ"], "/rd/1");
    s.wait(120.0);
    s.send(SERVER, CLIENT, request(Code::GET, "/3/0", &[]));
    assert_eq!(judged(&s, "QM-SERVER-SUPPORT-QUEUE-MODE"), (Verdict::Fail, vec![1, 3]));
    // The same delay to a client not in Queue Mode is no Queue Mode matter.
    let mut s = Script::default();
    s.register(&["ep=dev1", "b=U"], "/rd/1");
    s.wait(120.0);
    s.send(SERVER, CLIENT, request(Code::GET, "/3/0", &[]));
    assert_eq!(judged(&s, "QM-SERVER-SUPPORT-QUEUE-MODE").0, Verdict::NotObserved);
}

#[test]
fn should_level_failures_do_not_gate_unless_strict() {
    let mut s = registered("/rd/1");
    let r = request(Code::DELETE, "/foo", &[]);
    exchange(&mut s, CLIENT, SERVER, r, Code::NOT_FOUND);
    let f = findings(&s);
    let c = catalogue();
    let dereg = f
        .iter()
        .find(|f| f.requirement == "REG-CLIENT-SHOULD-SUPPORT-DEREGISTER")
        .expect("check");
    assert_eq!(dereg.verdict, Verdict::Fail);
    assert!(!text::gates(dereg, &c, false));
    assert!(text::gates(dereg, &c, true));
}

/// An observation of /3/0/13 with `attrs` accepted first, then notifications after `gaps` seconds.
fn periodic(attrs: &[&str], gaps: &[f64]) -> Script {
    let mut s = registered("/rd/1");
    exchange(
        &mut s,
        SERVER,
        CLIENT,
        request(Code::PUT, "/3/0/13", attrs),
        Code::CHANGED,
    );
    let obs = observe(&mut s, "/3/0/13", b"1");
    for (i, gap) in gaps.iter().enumerate() {
        s.wait(*gap);
        let n = with_payload(
            with_observe(
                Message::new(MessageType::NonConfirmable, Code::CONTENT, 0, obs.token.clone()),
                i as u32 + 2,
            ),
            0,
            b"2",
        );
        s.send(CLIENT, SERVER, n);
    }
    s
}

#[test]
fn notifications_closer_than_pmin_fail() {
    let id = "IR-CLIENT-MINIMUM-PERIOD";
    assert_eq!(
        judged(&periodic(&["pmin=2"], &[2.5, 2.0]), id),
        (Verdict::Pass, vec![7, 8])
    );
    assert_eq!(
        judged(&periodic(&["pmin=2"], &[2.5, 0.5]), id),
        (Verdict::Fail, vec![7, 8])
    );
    assert_eq!(
        judged(&periodic(&[], &[0.5]), id).0,
        Verdict::NotObserved,
        "no pmin, no judgement"
    );
}

#[test]
fn notifications_further_apart_than_pmax_fail() {
    let id = "IR-CLIENT-MAXIMUM-PERIOD";
    assert_eq!(
        judged(&periodic(&["pmax=2"], &[1.5, 2.0]), id),
        (Verdict::Pass, vec![7, 8])
    );
    assert_eq!(
        judged(&periodic(&["pmax=2"], &[1.5, 4.0]), id),
        (Verdict::Fail, vec![7, 8])
    );
    // Silence past pmax while the client sends other messages fails too.
    let mut s = periodic(&["pmax=2"], &[1.0]);
    s.wait(5.0);
    exchange(&mut s, CLIENT, SERVER, request(Code::POST, "/rd/1", &[]), Code::CHANGED);
    assert_eq!(judged(&s, id), (Verdict::Fail, vec![7, 8]));
}

/// Observe /3/0/9, register again, then `reobserve` or not, then De-register.
fn reregistered(reobserve: bool) -> Script {
    let mut s = registered("/rd/1");
    observe(&mut s, "/3/0/9", b"80");
    s.register(&["ep=dev1"], "/rd/2");
    if reobserve {
        observe(&mut s, "/3/0/9", b"79");
    }
    exchange(
        &mut s,
        CLIENT,
        SERVER,
        request(Code::DELETE, "/rd/2", &[]),
        Code::DELETED,
    );
    s
}

#[test]
fn a_registration_ended_without_re_observing_fails_the_server() {
    let id = "IR-SERVER-REOBSERVE-ON-REGISTER";
    assert_eq!(judged(&reregistered(true), id), (Verdict::Pass, vec![7]));
    assert_eq!(judged(&reregistered(false), id), (Verdict::Fail, vec![5, 7]));
}

#[test]
fn a_finish_while_a_write_is_unanswered_fails() {
    let mut s = Script::default();
    let req = s.send(CLIENT, BOOTSTRAP, request(Code::POST, "/bs", &["ep=dev1"]));
    s.answer(&req, BOOTSTRAP, CLIENT, Code::CHANGED);
    let w = s.send(BOOTSTRAP, CLIENT, request(Code::PUT, "/1/0/1", &[]));
    let fin = s.send(BOOTSTRAP, CLIENT, request(Code::POST, "/bs", &[]));
    s.answer(&w, CLIENT, BOOTSTRAP, Code::CHANGED);
    s.answer(&fin, CLIENT, BOOTSTRAP, Code::CHANGED);
    assert_eq!(
        judged(&s, "BS-BSSERVER-FINISH-AFTER-ALL-WRITES"),
        (Verdict::Fail, vec![3, 4])
    );
}
