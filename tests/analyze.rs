//! Passive analysis on the project's own captures: every case runs against the conformant
//! reference DUT of its role, and the cases listed in `CAUGHT` against the reference DUT with the
//! case's fault. `analyze` on the conformant captures finds no violation of a requirement binding
//! the DUT's role; on each faulty capture it finds the case's requirement violated. The active
//! cases and the passive checks thereby agree on the same traffic.
//!
//! Not listed: faults that show only as an absence (a Bootstrap-Finish never sent, a change never
//! notified, an observation not made again before the capture ends), which a capture alone cannot
//! tell from one that ended early; and faults whose traffic is conformant on its face (a Read sent
//! to a Queue Mode client 3 s after its Register: analyze assumes a client awake for
//! MAX_TRANSMIT_WAIT, the case knows it went offline; a retransmitted Register handled as new).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lwm2m_conformance::analyze::findings;
use lwm2m_conformance::analyze::{Finding, Verdict};
use lwm2m_conformance::capture::Capture;
use lwm2m_conformance::evidence::CaseResult;
use lwm2m_conformance::lwm2m::Role;
use lwm2m_conformance::suite::{self, Outputs, Suite};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn analyzed(r: &CaseResult) -> Vec<Finding> {
    let pcap = r
        .pcap
        .as_deref()
        .unwrap_or_else(|| panic!("{} has no capture", r.case_id));
    let path = Path::new(pcap);
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        project().join(path)
    };
    findings(&Capture::read(&path).expect("capture reads").explain())
}

/// Cases whose fault `analyze` finds passively, with the requirement it finds violated.
const CAUGHT: &[(&str, &str)] = &[
    (
        "client-bootstrap-ignores-other-requests",
        "BS-CLIENT-IGNORE-REQUESTS-DURING-BOOTSTRAP",
    ),
    ("client-deregister-location", "REG-CLIENT-SHOULD-SUPPORT-DEREGISTER"),
    (
        "client-dm-ignore-before-registration-ack",
        "DM-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
    ),
    (
        "client-ir-ignore-before-registration-ack",
        "IR-CLIENT-IGNORE-UNTIL-REGISTRATION-ACK",
    ),
    ("client-ir-maximum-period", "IR-CLIENT-MAXIMUM-PERIOD"),
    ("client-ir-minimum-period", "IR-CLIENT-MINIMUM-PERIOD"),
    ("client-ir-notify-per-instance", "IR-CLIENT-NOTIFY-PER-INSTANCE"),
    ("client-update-location", "REG-CLIENT-SUPPORT-REGISTER-UPDATE"),
    (
        "bsserver-finish-after-all-writes",
        "BS-BSSERVER-FINISH-AFTER-ALL-WRITES",
    ),
    ("bsserver-finish-empty-post", "BS-BSSERVER-SEND-FINISH"),
    (
        "server-dm-nothing-before-registration",
        "DM-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
    ),
    ("server-dm-no-delete-root", "DM-SERVER-DELETE-ROOT-ONLY-IN-BOOTSTRAP"),
    ("server-dm-pmax-greater-than-pmin", "DM-SERVER-PMAX-GREATER-THAN-PMIN"),
    (
        "server-ir-nothing-before-registration",
        "IR-SERVER-NO-OPERATION-BEFORE-REGISTRATION",
    ),
    (
        "server-ir-observe-no-resource-without-instance",
        "IR-SERVER-OBSERVE-NO-RESOURCE-WITHOUT-INSTANCE",
    ),
    ("server-register-location-under-rd", "REG-SERVER-LOCATION-UNDER-RD"),
];

/// The requirements binding `role` that `analyze` failed in a capture.
fn failures(suite: &Suite, r: &CaseResult, role: Role) -> BTreeSet<&'static str> {
    analyzed(r)
        .into_iter()
        .filter(|f| f.verdict == Verdict::Fail)
        .filter(|f| suite.catalogue.get(f.requirement).is_some_and(|q| q.role == role))
        .map(|f| f.requirement)
        .collect()
}

#[test]
fn analyze_agrees_with_the_cases_on_the_reference_duts() {
    // SAFETY of set_var: before any thread of this test starts; `{exe}` is the harness binary.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let suite = Arc::new(suite::load(&project().join("testcases")).expect("suite loads"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let out = project().join("target").join("analyze");
    let role_of = |case_id: &str| {
        suite
            .entries
            .iter()
            .find_map(|e| e.case.as_ref().ok().filter(|c| c.id == case_id).map(|c| c.dut))
    };
    // Every case against the built-in reference DUT of its role.
    let conformant = rt.block_on(suite::run_all(
        suite.clone(),
        suite.entries.clone(),
        Arc::new(lwm2m_conformance::profile::reference(Role::Client, &[]).expect("the built-in client")),
        None,
        Outputs::under(&out.join("conformant")),
        32,
        false,
        |_| {},
    ));
    for r in &conformant {
        let Some(role) = role_of(&r.case_id) else { continue };
        assert_eq!(
            failures(&suite, r, role),
            BTreeSet::new(),
            "{}: the conformant reference DUT fails a passive check",
            r.case_id
        );
    }
    // The listed cases with their faults, at once: each waits mostly on quiet windows.
    let _runtime = rt.enter();
    let mut runs = tokio::task::JoinSet::new();
    for (case_id, requirement) in CAUGHT {
        let entry = suite
            .entries
            .iter()
            .find(|e| e.case.as_ref().is_ok_and(|c| c.id == *case_id))
            .unwrap_or_else(|| panic!("no case {case_id} in the suite"))
            .clone();
        let Ok(case) = &entry.case else { continue };
        let profile = lwm2m_conformance::profile::reference(case.dut, std::slice::from_ref(&case.catches))
            .expect("the built-in DUT");
        let (fault, role) = (case.catches.clone(), case.dut);
        let (suite, faulty) = (suite.clone(), Outputs::under(&out.join("faulty")));
        runs.spawn(async move {
            let r = suite::run_entry(&suite, &entry, &profile, None, &faulty, true).await;
            (r, *requirement, fault, role)
        });
    }
    let mut caught = 0;
    for (r, requirement, fault, role) in rt.block_on(runs.join_all()) {
        let failed = failures(&suite, &r, role);
        assert!(
            failed.contains(requirement),
            "{}: with fault `{fault}` analyze fails {failed:?}, not {requirement}",
            r.case_id
        );
        caught += 1;
    }
    assert_eq!(caught, CAUGHT.len());
}
