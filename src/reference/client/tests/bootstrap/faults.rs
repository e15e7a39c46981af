//! Each bootstrap fault changes exactly the behaviour it names: three scripted sessions are run
//! conformant and once per fault, and the steps whose output differs are compared with the
//! fault's.

use std::collections::BTreeMap;

use crate::coap::Code;
use crate::coap::message::option;
use crate::lwm2m::{ContentFormat, Path, Record, Value};

use super::super::super::Fault;
use super::super::super::bootstrap::{FAULTS, REBOOTSTRAP_DELAY};
use super::super::faults::{Changes, changes};
use super::{DeviceRig, bootstrap_snapshot, bs, s1, s2, secs};

type Steps = Vec<(&'static str, Vec<String>)>;

/// Runs `f`, then records what the device sent meanwhile as `step`.
fn step(rig: &mut DeviceRig, steps: &mut Steps, name: &'static str, f: impl FnOnce(&mut DeviceRig)) {
    f(rig);
    steps.push((name, rig.transcript()));
}

/// A Confirmable request from `from` whose answer (if any) stays in the transcript.
fn send(rig: &mut DeviceRig, from: std::net::SocketAddr, path: &str, observe: bool) {
    let mut m = rig.request(Code::GET, path);
    if observe {
        m.add_uint_option(option::OBSERVE, 0);
    }
    rig.deliver(from, &m);
}

fn bs_request(rig: &mut DeviceRig, code: Code, path: &str, cf: Option<ContentFormat>, payload: Vec<u8>) {
    let mut m = rig.request(code, path);
    if let Some(cf) = cf {
        m.add_uint_option(option::CONTENT_FORMAT, u32::from(cf.0));
    }
    m.payload = payload;
    rig.deliver(bs(), &m);
}

fn provision(rig: &mut DeviceRig, ssid: u16, addr: std::net::SocketAddr) {
    let (si, i) = (ssid, ssid - 1);
    let sec = super::security_records(si, i64::from(ssid), addr);
    let sec = super::encode(ContentFormat::TLV, &Path::instance(0, si), &sec);
    bs_request(rig, Code::PUT, &format!("/0/{si}"), Some(ContentFormat::TLV), sec);
    let srv = super::server_records(i, i64::from(ssid), 120);
    let srv = super::encode(ContentFormat::TLV, &Path::instance(1, i), &srv);
    bs_request(rig, Code::PUT, &format!("/1/{i}"), Some(ContentFormat::TLV), srv);
}

/// Answers the Registers and Updates of the last step, like a server.
fn answer_last(rig: &mut DeviceRig, sent: Vec<(std::net::SocketAddr, crate::coap::Message)>) {
    rig.answer_registrations(&sent);
}

/// Client Initiated: two servers provisioned after Delete "/", Reads along the way.
fn ci_session(faults: &[Fault]) -> Steps {
    let mut rig = DeviceRig::client_initiated(faults);
    let mut steps = Steps::new();
    let req = rig.expect_one(bs());
    steps.push(("start: Bootstrap-Request", super::super::lines(&req)));
    rig.answer(bs(), &req, Code::CHANGED, |_| {});
    step(&mut rig, &mut steps, "Read /3/0/0 from BS", |r| {
        send(r, bs(), "/3/0/0", false)
    });
    step(&mut rig, &mut steps, "Read /3/0 from S1, not yet written", |r| {
        send(r, s1(), "/3/0", false)
    });
    step(&mut rig, &mut steps, "Delete /", |r| {
        bs_request(r, Code::DELETE, "/", None, vec![])
    });
    step(&mut rig, &mut steps, "provision S1", |r| provision(r, 1, s1()));
    step(&mut rig, &mut steps, "Read /3/0/0 from S1, written", |r| {
        send(r, s1(), "/3/0/0", false)
    });
    provision_s2_and_finish(&mut rig, &mut steps);
    step(&mut rig, &mut steps, "Read /3/0/0 from S1, registered", |r| {
        send(r, s1(), "/3/0/0", false)
    });
    steps
}

/// Provisions S2, sends Bootstrap-Finish (recording the Registers it brings) and answers them.
fn provision_s2_and_finish(rig: &mut DeviceRig, steps: &mut Steps) {
    step(rig, steps, "provision S2", |r| provision(r, 2, s2()));
    bs_request(rig, Code::POST, "/bs", None, vec![]);
    let sent = rig.sent();
    steps.push(("Finish", sent.iter().flat_map(|(to, m)| tag(*to, m)).collect()));
    answer_last(rig, sent);
    step(rig, steps, "answers to the registrations", |_| {});
}

fn tag(to: std::net::SocketAddr, m: &crate::coap::Message) -> Vec<String> {
    let name = super::peer_name(to);
    super::super::lines(m)
        .into_iter()
        .map(|l| format!("{name}: {l}"))
        .collect()
}

/// Client Initiated, left with no server: Delete "/" then Finish.
fn ci_empty_session(faults: &[Fault]) -> Steps {
    let mut rig = DeviceRig::client_initiated(faults);
    let mut steps = Steps::new();
    rig.accept_bootstrap_request();
    step(&mut rig, &mut steps, "Delete /", |r| {
        bs_request(r, Code::DELETE, "/", None, vec![])
    });
    step(&mut rig, &mut steps, "Finish", |r| {
        bs_request(r, Code::POST, "/bs", None, vec![])
    });
    step(&mut rig, &mut steps, "wait REBOOTSTRAP_DELAY", |r| {
        r.advance(REBOOTSTRAP_DELAY)
    });
    steps
}

/// Client Initiated, S1 provisioned, then Delete "/" and S2 provisioned: only S2 is left.
fn ci_reprovisioned_session(faults: &[Fault]) -> Steps {
    let mut rig = DeviceRig::client_initiated(faults);
    let mut steps = Steps::new();
    rig.accept_bootstrap_request();
    step(&mut rig, &mut steps, "provision S1", |r| provision(r, 1, s1()));
    step(&mut rig, &mut steps, "Delete /", |r| {
        bs_request(r, Code::DELETE, "/", None, vec![])
    });
    provision_s2_and_finish(&mut rig, &mut steps);
    steps
}

/// Server Initiated, registered with S1 (observing /3/0/0) when the Bootstrap-Server writes.
fn sib_session(faults: &[Fault]) -> Steps {
    let mut rig = DeviceRig::server_initiated(faults);
    let mut steps = Steps::new();
    step(&mut rig, &mut steps, "Observe /3/0/0 from S1", |r| {
        send(r, s1(), "/3/0/0", true)
    });
    let lifetime = [Record::new(Path::resource(1, 0, 1), Value::Integer(90))];
    let lifetime = super::encode(ContentFormat::TLV, &Path::resource(1, 0, 1), &lifetime);
    step(&mut rig, &mut steps, "Write /1/0/1 (an existing instance)", |r| {
        bs_request(r, Code::PUT, "/1/0/1", Some(ContentFormat::TLV), lifetime)
    });
    step(&mut rig, &mut steps, "Read /3/0/0 from S1", |r| {
        send(r, s1(), "/3/0/0", false)
    });
    step(&mut rig, &mut steps, "Observe /3/0/1 from S1", |r| {
        send(r, s1(), "/3/0/1", true)
    });
    // A Security instance: it stays out of the Register's object list, so only the answer to
    // this Write can differ.
    let hold_off = [Record::new(Path::resource(0, 5, 11), Value::Integer(30))];
    let hold_off = super::encode(ContentFormat::TLV, &Path::instance(0, 5), &hold_off);
    step(&mut rig, &mut steps, "Write /0/5 (a missing instance)", |r| {
        bs_request(r, Code::PUT, "/0/5", Some(ContentFormat::TLV), hold_off)
    });
    bs_request(&mut rig, Code::POST, "/bs", None, vec![]);
    let sent = rig.sent();
    steps.push(("Finish", sent.iter().flat_map(|(to, m)| tag(*to, m)).collect()));
    answer_last(&mut rig, sent);
    step(&mut rig, &mut steps, "answers, then 5 s", |r| r.advance(secs(5)));
    steps
}

/// LwM2M 1.1, registered with S1 and holding a Bootstrap-Server Account: S1 executes the
/// Bootstrap-Request Trigger, the Bootstrap-Server deletes everything and writes S2.
fn triggered_session(faults: &[Fault]) -> Steps {
    let mut rig = super::trigger::registered_with_bootstrap_account(faults, crate::reference::client::Version::V1_1);
    let mut steps = Steps::new();
    step(&mut rig, &mut steps, "Execute /1/0/9 from S1", |r| {
        let exec = r.request(Code::POST, "/1/0/9");
        r.deliver(s1(), &exec);
    });
    rig.advance(secs(0));
    let req = rig.accept_bootstrap_request();
    steps.push(("next timeout: Bootstrap-Request", super::super::lines(&req)));
    step(&mut rig, &mut steps, "Delete /", |r| {
        bs_request(r, Code::DELETE, "/", None, vec![])
    });
    provision_s2_and_finish(&mut rig, &mut steps);
    step(&mut rig, &mut steps, "then 5 s", |r| r.advance(secs(5)));
    steps
}

type Session = fn(&[Fault]) -> Steps;

const SESSIONS: [(&str, Session); 5] = [
    ("client initiated", ci_session),
    ("client initiated, no server", ci_empty_session),
    ("client initiated, S1 then Delete / and S2", ci_reprovisioned_session),
    ("server initiated", sib_session),
    ("client initiated by the Bootstrap-Request Trigger", triggered_session),
];

/// The steps a fault may change in each session (none where it is not listed).
fn expected(fault: Fault, session: &str) -> Vec<&'static str> {
    use Fault::*;
    match (fault, session) {
        (BsAnswerDuringBootstrap, "client initiated") => vec![
            "Read /3/0/0 from BS",
            "Read /3/0 from S1, not yet written",
            "Read /3/0/0 from S1, written",
        ],
        (BsAnswerDuringBootstrap, "client initiated, no server") => vec![],
        // No instance exists before a Client Initiated Bootstrap, so every provisioning Write
        // fails and no server is left to register with.
        (BsWriteNeedsExistingInstance, "client initiated") => vec![
            "provision S1",
            "provision S2",
            "Finish",
            "Read /3/0/0 from S1, registered",
        ],
        (BsWriteNeedsExistingInstance, "client initiated, S1 then Delete / and S2") => {
            vec!["provision S1", "provision S2", "Finish"]
        }
        (BsWriteNeedsExistingInstance, "server initiated") => vec!["Write /0/5 (a missing instance)"],
        (BsDeleteRootRemovesBsAccount, "client initiated, no server") => vec!["wait REBOOTSTRAP_DELAY"],
        (BsDeleteRootKeepsServers, "client initiated, S1 then Delete / and S2") => vec!["Finish"],
        (BsRegisterFirstServerOnly, "client initiated") => vec!["Finish"],
        (BsNoFreshStart, "server initiated") => vec!["Finish"],
        (BsKeepsDeletedServerRegistration, "client initiated by the Bootstrap-Request Trigger") => vec!["Finish"],
        // S1's account survives the Delete: a new Register with it too.
        (BsDeleteRootKeepsServers, "client initiated by the Bootstrap-Request Trigger") => vec!["Finish"],
        // S2's instances are new: its Writes fail, no server is left and the client asks again.
        (BsWriteNeedsExistingInstance, "client initiated by the Bootstrap-Request Trigger") => {
            vec!["provision S2", "Finish", "then 5 s"]
        }
        (SibAnswerDm, "server initiated") => vec!["Read /3/0/0 from S1"],
        (SibAnswerObserve, "server initiated") => vec!["Observe /3/0/1 from S1"],
        _ => vec![],
    }
}

#[test]
fn each_bootstrap_fault_changes_exactly_its_steps() {
    let mut effects: BTreeMap<String, Changes> = BTreeMap::new();
    let mut baselines = BTreeMap::new();
    for (name, session) in SESSIONS {
        let baseline = session(&[]);
        for fault in FAULTS {
            let changed = changes(&baseline, &session(&[fault]));
            let steps: Vec<&str> = changed.keys().copied().collect();
            let mut want = expected(fault, name);
            want.sort();
            assert_eq!(steps, want, "{fault} in the {name} session");
            if !changed.is_empty() {
                effects.insert(format!("{fault} ({name})"), changed);
            }
        }
        baselines.insert(name, baseline);
    }
    bootstrap_snapshot!("bootstrap_fault_effects", effects);
    bootstrap_snapshot!("bootstrap_sessions", baselines);
}

#[test]
fn every_bootstrap_fault_is_in_the_table() {
    let listed: Vec<Fault> = Fault::ALL
        .iter()
        .copied()
        .filter(|f| f.id().starts_with("bs-") || f.id().starts_with("sib-"))
        .collect();
    assert_eq!(listed, FAULTS.to_vec());
}
