//! HTTP triggers end to end: the server suite against the built-in reference server driven by
//! `POST /trigger` instead of stdin (`duts/reference-server-http.yaml`). Every case must pass as
//! it does with stdin triggers, which proves the harness's `http` trigger path against a real
//! listener (a third-party server's REST API is driven the same way).

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use lwm2m_conformance::evidence::Verdict;
use lwm2m_conformance::profile::load_profile;
use lwm2m_conformance::suite::{self, Outputs};

#[test]
fn the_server_suite_passes_with_http_triggers() {
    // SAFETY of set_var: before any thread of this test starts; `{exe}` must be the harness.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let profile_file = root.join("duts").join("reference-server-http.yaml");
    let profile = load_profile(&profile_file).expect("profile loads");
    let suite = Arc::new(suite::load(&root.join("testcases")).expect("suite loads"));
    let out = Outputs::under(&root.join("target").join("http-triggers"));
    let results = common::run_cases(&suite, |t| t.starts_with("server::"), profile, &profile_file, out, 32);
    let failed: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(|r| format!("{}: {:?} {}", r.trial_name, r.verdict, r.failure_text()))
        .collect();
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
