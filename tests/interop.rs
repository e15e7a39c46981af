//! The whole suite against a third-party LwM2M client, lwm2m-node-lib 1.4.0 (npm), through
//! `duts/lwm2m-node-lib.yaml`, and the server cases against the same library's LwM2M Server
//! (`duts/lwm2m-node-lib-server.yaml`). Their verdicts are insta snapshots: a harness change that
//! flips a verdict against a real implementation shows up as a snapshot diff to review, and
//! `reports/interop/lwm2m-node-lib.md` and `lwm2m-node-lib-server.md` explain every verdict that
//! is not a pass. Each run's checklist and matrix go to `target/interop/<peer>/reports/`.
//!
//! A second, independent peer: Eclipse Wakaama (C), whose example client and Bootstrap-Server
//! are built from the Wakaama tree inside the npm package node-red-contrib-lwm2m 2.12.3
//! (`duts/wakaama/build.sh`), through `duts/wakaama.yaml`, `duts/wakaama-bootstrap-server.yaml` and
//! `duts/wakaama-server.yaml` (its console server);
//! `reports/interop/wakaama.md` explains its verdicts that are not a pass.
//!
//! Set-up is part of the test: the client's npm dependencies are installed (`npm ci`) when missing,
//! so `cargo test` on a machine with Node.js needs nothing else; Wakaama is built the same way
//! (`build.sh`, which needs npm and a C compiler).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, Once};

use lwm2m_conformance::case::load::case_files;
use lwm2m_conformance::evidence::{CaseResult, RunInfo, Verdict};
use lwm2m_conformance::profile::load_profile;
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

/// Run the suite's trials that `keep` names against a profile under duts/, with evidence under
/// target/interop/<out>/.
fn run_against(profile_file: &str, suite: suite::Suite, keep: impl Fn(&str) -> bool, out: &str) -> Vec<CaseResult> {
    // One suite at a time: each starts up to 32 Node.js processes at once, and both together
    // starve a small machine past the profiles' start-up timeouts.
    static ONE_SUITE: Mutex<()> = Mutex::new(());
    let _one_suite = ONE_SUITE.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let duts = project().join("duts");
    let profile_file = duts.join(profile_file);
    let profile = load_profile(&profile_file).expect("profile loads");
    let root = project().join("target").join("interop").join(out);
    let out = Outputs::under(&root);
    let info = RunInfo::new(&profile, Some(&profile_file));
    info.write(&out.results).expect("run description written");
    let suite = Arc::new(suite);
    let results = common::run_cases(&suite, keep, profile, &profile_file, out, 32);
    // The interop checklist of this third-party DUT, as an interop event would read it.
    suite::reports::write_all(&root.join("reports"), &suite, &info, &results).expect("reports written");
    results
}

/// First thing in each test, once for both (they run in parallel): set_var before either reads
/// the environment, and one `npm ci`. `{exe}` is not used by these profiles but must not point at
/// the test binary.
fn setup() {
    static SETUP: Once = Once::new();
    SETUP.call_once(|| {
        // SAFETY: the other test, if started, waits in call_once; no trial runs yet.
        unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
        ensure_npm_deps(&project().join("duts").join("lwm2m-node-lib"));
    });
}

/// Build the Wakaama programs once (npm ci of the pinned package, then cc); idempotent.
fn ensure_wakaama() {
    static BUILD: Once = Once::new();
    BUILD.call_once(|| {
        let script = project().join("duts").join("wakaama").join("build.sh");
        let status = Command::new("bash")
            .arg(&script)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {} (bash, npm and cc are needed): {e}", script.display()));
        assert!(status.success(), "{} failed: {status}", script.display());
    });
}

fn verdict_word(r: &CaseResult) -> String {
    serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[test]
fn lwm2m_node_lib_verdicts() {
    setup();
    let suite = suite::load(&project().join("testcases")).expect("suite loads");
    let results = run_against(
        "lwm2m-node-lib.yaml",
        suite,
        |t| t.starts_with("client::"),
        "lwm2m-node-lib",
    );
    let table: Vec<String> = results
        .iter()
        .map(|r| format!("{:<16} {}", verdict_word(r), r.trial_name))
        .collect();
    insta::assert_yaml_snapshot!(table);
}

/// The server cases: testcases/server/ once they are in the suite; until then the drafts in
/// tests/drafts/server/, loaded from a scratch copy laid out like testcases/ (same trial names).
fn server_suite(scratch: &Path) -> suite::Suite {
    let testcases = project().join("testcases");
    if testcases.join("server").is_dir() {
        return suite::load(&testcases).expect("suite loads");
    }
    let drafts = project().join("tests").join("drafts");
    std::fs::copy(testcases.join("requirements.yaml"), scratch.join("requirements.yaml")).expect("copy catalogue");
    for file in case_files(&drafts.join("server")) {
        let to = scratch.join(file.strip_prefix(&drafts).expect("under drafts"));
        std::fs::create_dir_all(to.parent().expect("has a folder")).expect("mkdir");
        std::fs::copy(&file, &to).expect("copy draft");
    }
    suite::load(scratch).expect("drafts load")
}

/// Why a verdict is what it is, in words that do not change from run to run: the failing step
/// and its requirement (not the observed frames, whose numbers and Message IDs vary), or the
/// reason a case was skipped.
fn short_reason(r: &CaseResult) -> String {
    match (&r.failure, r.verdict) {
        (_, Verdict::Pass) => String::new(),
        (Some(f), _) => format!(
            "step {} ({}) [{}]",
            f.step,
            f.step_name,
            if f.requirements.is_empty() {
                "all".to_string()
            } else {
                f.requirements.join(", ")
            }
        ),
        (None, _) => r.message.clone().unwrap_or_default(),
    }
}

/// The server suite against the npm lwm2m-node-lib 1.4.0 server (duts/lwm2m-node-lib-server.yaml):
/// one line per server case. `reports/interop/lwm2m-node-lib-server.md` explains every line that
/// is not a pass. When the server cases change, regenerate and review:
/// `INSTA_UPDATE=always cargo test --test interop`.
#[test]
fn lwm2m_node_lib_server_verdicts() {
    setup();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let suite = server_suite(scratch.path());
    let results = run_against(
        "lwm2m-node-lib-server.yaml",
        suite,
        |t| t.starts_with("server::"),
        "lwm2m-node-lib-server",
    );
    assert!(!results.is_empty(), "no server cases found");
    insta::assert_yaml_snapshot!(table_with_reasons(&results));
}

/// One line per trial: the verdict, and for a non-pass its short reason.
fn table_with_reasons(results: &[CaseResult]) -> Vec<String> {
    results
        .iter()
        .map(|r| match short_reason(r) {
            why if why.is_empty() => format!("{:<13} {}", verdict_word(r), r.trial_name),
            why => format!("{:<13} {}: {why}", verdict_word(r), r.trial_name),
        })
        .collect()
}

/// The client cases against the Wakaama example client (duts/wakaama.yaml).
#[test]
fn wakaama_client_verdicts() {
    let table = wakaama_role("wakaama.yaml", "client::", "wakaama");
    insta::assert_yaml_snapshot!(table);
}

/// The cases of one role (trial names starting `prefix`) against a Wakaama profile: the table.
fn wakaama_role(profile: &str, prefix: &str, out: &str) -> Vec<String> {
    setup();
    ensure_wakaama();
    let suite = suite::load(&project().join("testcases")).expect("suite loads");
    let results = run_against(profile, suite, |t| t.starts_with(prefix), out);
    assert!(!results.is_empty(), "no {prefix} cases found");
    table_with_reasons(&results)
}

/// The Bootstrap-Server cases against the Wakaama example Bootstrap-Server
/// (duts/wakaama-bootstrap-server.yaml).
#[test]
fn wakaama_bootstrap_server_verdicts() {
    let table = wakaama_role(
        "wakaama-bootstrap-server.yaml",
        "bootstrap-server::",
        "wakaama-bootstrap-server",
    );
    insta::assert_yaml_snapshot!(table);
}

/// The server cases against the Wakaama example server (duts/wakaama-server.yaml): a console
/// program driven with profile keys only (a stdout capture of its client number, paced stdin
/// triggers, a `q` stop, a wildcard bind on the port the harness gives it).
#[test]
fn wakaama_server_verdicts() {
    let table = wakaama_role("wakaama-server.yaml", "server::", "wakaama-server");
    insta::assert_yaml_snapshot!(table);
}
