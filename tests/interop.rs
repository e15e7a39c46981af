//! The whole suite against a third-party LwM2M client, lwm2m-node-lib 1.4.0 (npm), through
//! `duts/lwm2m-node-lib.yaml`. Its verdicts are an insta snapshot: a harness change that flips a
//! verdict against a real implementation shows up as a snapshot diff to review, and
//! `reports/interop/lwm2m-node-lib.md` explains every verdict that is not a pass. The run's
//! checklist and matrix go to `target/interop/lwm2m-node-lib/reports/`.
//!
//! Set-up is part of the test: the client's npm dependencies are installed (`npm ci`) when missing,
//! so `cargo test` on a machine with Node.js needs nothing else.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use lwm2m_conformance::case::load::load_profile;
use lwm2m_conformance::evidence::RunInfo;
use lwm2m_conformance::suite::{self, Outputs};

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn ensure_npm_deps(dir: &Path) {
    if dir.join("node_modules").join("lwm2m-node-lib").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run npm (Node.js and npm are needed for this test): {e}"));
    assert!(status.success(), "npm ci in {} failed: {status}", dir.display());
}

#[test]
fn lwm2m_node_lib_verdicts() {
    // SAFETY of set_var: before any thread of this test starts; `{exe}` is not used by this
    // profile but must not point at the test binary.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let duts = project().join("duts");
    ensure_npm_deps(&duts.join("lwm2m-node-lib"));
    let profile_file = duts.join("lwm2m-node-lib.yaml");
    let profile = load_profile(&profile_file).expect("profile loads");
    let suite = suite::load(&project().join("testcases")).expect("suite loads");
    let entries = suite.entries.clone();
    let root = project().join("target").join("interop").join("lwm2m-node-lib");
    let out = Outputs::under(&root);
    let info = RunInfo::new(&profile, Some(&profile_file));
    info.write(&out.results).expect("run description written");
    let suite = Arc::new(suite);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let results = rt.block_on(suite::run_all(
        suite.clone(),
        entries,
        Arc::new(profile),
        Some(profile_file),
        out,
        32,
        false,
        |_| {},
    ));
    // The interop checklist of this third-party DUT, as an interop event would read it.
    suite::reports::write_all(&root.join("reports"), &suite, &info, &results).expect("reports written");
    let table: Vec<String> = results
        .iter()
        .map(|r| {
            let v = serde_json::to_value(r.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{v:<16} {}", r.trial_name)
        })
        .collect();
    insta::assert_yaml_snapshot!(table);
}
