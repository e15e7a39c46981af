//! Passive analysis on the project's own captures: every client case runs against the conformant
//! reference client and against the reference client with the case's fault. `analyze` on the
//! conformant captures finds no client-side violation; on the faulty captures it finds the fault
//! of every case that judges a client requirement `analyze` also checks. The active cases and the
//! passive checks thereby agree on the same traffic.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lwm2m_conformance::analyze::{Finding, Verdict};
use lwm2m_conformance::capture::Capture;
use lwm2m_conformance::case::{Profile, Role};
use lwm2m_conformance::evidence::CaseResult;
use lwm2m_conformance::explain_cmd::findings;
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

fn client_side(suite: &Suite, id: &str) -> bool {
    suite.catalogue.get(id).is_some_and(|r| r.role == Role::Client)
}

/// The client requirements `analyze` failed in a capture.
fn client_failures(suite: &Suite, r: &CaseResult) -> BTreeSet<&'static str> {
    analyzed(r)
        .into_iter()
        .filter(|f| f.verdict == Verdict::Fail && client_side(suite, f.requirement))
        .map(|f| f.requirement)
        .collect()
}

#[test]
fn analyze_agrees_with_the_cases_on_the_reference_client() {
    // SAFETY of set_var: before any thread of this test starts; `{exe}` is the harness binary.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let suite = Arc::new(suite::load(&project().join("testcases")).expect("suite loads"));
    let checked: BTreeSet<&str> = {
        let nothing = Capture::default().explain();
        findings(&nothing).into_iter().map(|f| f.requirement).collect()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let out = project().join("target").join("analyze");
    let entries: Vec<_> = suite
        .entries
        .iter()
        .filter(|e| e.case.as_ref().is_ok_and(|c| c.dut == Role::Client))
        .cloned()
        .collect();
    let conformant = rt.block_on(suite::run_all(
        suite.clone(),
        entries.clone(),
        Arc::new(Profile::reference(Role::Client, &[])),
        None,
        Outputs::under(&out.join("conformant")),
        32,
        false,
        |_| {},
    ));
    for r in &conformant {
        assert_eq!(
            client_failures(&suite, r),
            BTreeSet::new(),
            "{}: the conformant reference client fails a passive check",
            r.case_id
        );
    }
    // The faulty runs, at once: each waits mostly on quiet windows.
    let _runtime = rt.enter();
    let mut runs = tokio::task::JoinSet::new();
    for entry in entries {
        let Ok(case) = &entry.case else { continue };
        let Some(judged) = case
            .requirements
            .iter()
            .find(|id| checked.contains(id.as_str()))
            .cloned()
        else {
            continue;
        };
        let (suite, faulty) = (suite.clone(), Outputs::under(&out.join("faulty")));
        runs.spawn(async move {
            let Ok(case) = &entry.case else {
                unreachable!("filtered above")
            };
            let profile = Profile::reference(case.dut, std::slice::from_ref(&case.catches));
            let r = suite::run_entry(&suite, &entry, &profile, None, &faulty, true).await;
            (r, judged, case.catches.clone())
        });
    }
    let mut caught = 0;
    for (r, judged, fault) in rt.block_on(runs.join_all()) {
        let failed = client_failures(&suite, &r);
        assert!(
            failed.contains(judged.as_str()),
            "{}: with fault `{fault}` analyze fails {failed:?}, not {judged}",
            r.case_id
        );
        caught += 1;
    }
    // Bootstrap, De-register, Update, both "ignore until the registration ack", notify per
    // instance, pmin, pmax.
    assert!(
        caught >= 8,
        "only {caught} client cases with a fault analyze must catch"
    );
}
