//! The conformance suite as `cargo test` trials (libtest-mimic), plus a smoke set of the
//! harness's proof of power on the process path.
//!
//! * `client::registration::register_to_rd` ... — one trial per case file, against the DUT of
//!   `$LWM2M_DUT` (default: the built-in reference DUT of the case's role), a fresh process per
//!   trial over UDP. Passes when the verdict is pass, skipped (shown as ignored), or an
//!   expected failure listed in the profile.
//! * `selftest::fault::<trial>`, `selftest::variant::<variant>::<trial>` — a few cases against
//!   the reference DUT process started with the case's `catches` fault (it must FAIL, citing
//!   one of the case's requirements) or with a conformant `--variant` (it must pass or be
//!   skipped). The whole matrix, every case against every fault and variant, runs in memory on
//!   virtual time in `tests/selftest.rs`; these trials keep the process and UDP path of the
//!   same proof tested, on what the in-memory pairing stands in for (see `SMOKE`). Both judge
//!   with `suite::selftest::Against`.
//! * `selftest::shards` — the suite's CI-at-scale path: a few trials run one process each, the
//!   way `cargo nextest run` runs them, in two shards, merged with `lwm2m-conformance report`:
//!   the merge must give the verdicts of one in-process run of the same trials.
//!
//! Filter as usual: `cargo test --test conformance -- registration`, list with `-- --list`.
//! Results go to reports/results/<case>.json, pcaps to captures/ (under `$LWM2M_OUT` if set).
//! A run of one trial (`--exact`, which is how nextest runs every trial in its own process)
//! writes only its result file; any other run also writes reports/junit.xml, checklist.md,
//! checklist.html and traceability.md from its results. `lwm2m-conformance report` rebuilds
//! those from the result files of any number of such processes or shards.

#[path = "conformance/shards.rs"]
mod shards;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use lwm2m_conformance::evidence::{CaseResult, RunInfo, Verdict};
use lwm2m_conformance::profile::Profile;
use lwm2m_conformance::suite::selftest::Against;
use lwm2m_conformance::suite::{self, Entry, Outputs, Suite};

/// The self-test trials that also run on the process path, each for what only a process and
/// its sockets show. The in-memory pairing stands in for all of these; here they are proven
/// through the real thing.
const SMOKE: &[(Against, &str)] = &[
    // Restart across processes: a new PID and port, and the fault's location kept in a file
    // the next process reads.
    (
        Against::Fault,
        "client::information_reporting::reregister_after_restart",
    ),
    // SIGTERM to the reference client's process: it De-registers before it exits.
    (Against::Fault, "client::registration::deregister_location"),
    // A client DUT that listens: the harness waits until its port is bound before the first
    // step.
    (Against::Fault, "client::bootstrap::sib_ignores_read"),
    // A server DUT: triggers as lines on its stdin, and the witness socket at port 5683 that
    // sees a request sent to the wrong port.
    (Against::Fault, "server::registration::requests_to_source_port"),
    // A Bootstrap-Server DUT that writes to the harness's client as soon as it starts.
    (Against::Fault, "bootstrap-server::bootstrap::server_initiated"),
    // One conformant variant per role, so `--variant` reaches each process.
    (Against::Variant("no-tlv"), "client::device_management::read_object"),
    (
        Against::Variant("split-write-attributes"),
        "server::device_management::write_attributes_parameters",
    ),
    (
        Against::Variant("delete-objects"),
        "bootstrap-server::bootstrap::delete_targets",
    ),
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

fn project() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where captures/ and reports/ go: `$LWM2M_OUT` (one folder per shard), else the project.
fn out_root() -> PathBuf {
    std::env::var_os("LWM2M_OUT").map(PathBuf::from).unwrap_or_else(project)
}

fn main() -> ExitCode {
    // SAFETY of set_var: done before any thread starts. `{exe}` must be the harness binary, not
    // this test executable.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let mut args = Arguments::from_args();
    let explicit_threads = args.test_threads.is_some();
    let root = project().join("testcases");
    let suite = match suite::load(&root) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            let msg = e.to_string();
            let t = Trial::test("catalogue", move || Err(Failed::from(msg)));
            return libtest_mimic::run(&args, vec![t]).exit_code();
        }
    };
    let (profile, profile_file) = match suite::select_profile(None, &[], &[]) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            let t = Trial::test("dut_profile", move || Err(Failed::from(msg)));
            return libtest_mimic::run(&args, vec![t]).exit_code();
        }
    };
    // Trials mostly wait on the DUT (quiet windows, timeouts): run many at once even on 2 cores;
    // an attached DUT is one device, so its trials run one at a time.
    if !explicit_threads {
        args.test_threads = Some(if profile.parallel() { 32 } else { 1 });
    }
    let info = RunInfo::new(&profile, profile_file.as_deref());
    if !args.list {
        // Every process of a nextest run writes the same bytes here: what `report` merges.
        let dir = Outputs::under(&out_root()).results;
        if let Err(e) = info.write(&dir) {
            eprintln!("cannot write the run description into {}: {e}", dir.display());
        }
    }
    let profile = Arc::new(profile);
    let results: Arc<Mutex<Vec<CaseResult>>> = Arc::default();
    let mut trials = Vec::new();
    for entry in &suite.entries {
        trials.push(conformance_trial(
            &suite,
            entry,
            &profile,
            profile_file.clone(),
            &results,
        ));
    }
    for &(against, trial_name) in SMOKE {
        trials.push(smoke_trial(&suite, against, trial_name));
    }
    trials.push(shards::trial(&suite));
    // One trial per process (nextest, or `--exact`): its result file is its whole contribution;
    // aggregate reports from it alone would overwrite the run's with a one-case file.
    let single_trial = args.exact || std::env::var_os("NEXTEST_EXECUTION_MODE").is_some();
    let conclusion = libtest_mimic::run(&args, trials);
    let results = results.lock().map(|r| r.clone()).unwrap_or_default();
    if !results.is_empty() && !single_trial && !args.list {
        let dir = out_root().join("reports");
        if let Err(e) = suite::reports::write_all(&dir, &suite, &info, &results) {
            eprintln!("cannot write the reports into {}: {e}", dir.display());
        }
    }
    conclusion.exit_code()
}

fn conformance_trial(
    suite: &Arc<Suite>,
    entry: &Entry,
    profile: &Arc<Profile>,
    profile_file: Option<PathBuf>,
    sink: &Arc<Mutex<Vec<CaseResult>>>,
) -> Trial {
    let skip = entry
        .case
        .as_ref()
        .ok()
        .and_then(|c| suite::not_applicable(c, suite::profile_for(c, profile).ok()?.as_ref()))
        .is_some();
    if skip {
        // Not applicable: shown as ignored, and recorded as skipped (with the reason) in the results
        // and JUnit, never as passed.
        let out = Outputs::under(&out_root());
        let r = runtime().block_on(suite::run_entry(
            suite,
            entry,
            profile,
            profile_file.as_deref(),
            &out,
            false,
        ));
        if let Ok(mut s) = sink.lock() {
            s.push(r);
        }
        return Trial::test(entry.trial_name.clone(), || Ok(())).with_ignored_flag(true);
    }
    let (suite, entry2, profile, sink) = (suite.clone(), entry.clone(), profile.clone(), sink.clone());
    Trial::test(entry.trial_name.clone(), move || {
        let out = Outputs::under(&out_root());
        let r = runtime().block_on(suite::run_entry(
            &suite,
            &entry2,
            &profile,
            profile_file.as_deref(),
            &out,
            false,
        ));
        let verdict = r.verdict;
        let text = r.failure_text();
        if let Ok(mut s) = sink.lock() {
            s.push(r);
        }
        match verdict {
            Verdict::Pass | Verdict::Skipped | Verdict::ExpectedFail => Ok(()),
            // A SHOULD-level finding is a warning: shown, but not a failed test unless strict.
            Verdict::Fail | Verdict::Inconclusive
                if !lwm2m_conformance::suite::gates(level_of(&suite, &entry2), verdict, false) =>
            {
                eprintln!("WARNING {}: {text}", entry2.trial_name);
                Ok(())
            }
            _ => Err(Failed::from(text)),
        }
    })
}

fn level_of(suite: &Suite, entry: &Entry) -> lwm2m_conformance::evidence::Level {
    entry
        .case
        .as_ref()
        .map(|c| suite.catalogue.level_of(&c.requirements))
        .unwrap_or(lwm2m_conformance::evidence::Level::Must)
}

/// A self-test trial on the process path: the reference DUT process with the case's fault or
/// a variant, judged as the in-memory matrix judges it.
fn smoke_trial(suite: &Arc<Suite>, against: Against, trial_name: &'static str) -> Trial {
    let name = format!("selftest::{}::{trial_name}", against.name());
    let Some(entry) = suite.entries.iter().find(|e| e.trial_name == trial_name).cloned() else {
        // A renamed case must not drop out of the smoke set unnoticed.
        return Trial::test(name, move || {
            Err(Failed::from(format!("SMOKE names no case `{trial_name}`")))
        });
    };
    let suite = suite.clone();
    Trial::test(name, move || {
        let case = entry.case.as_ref().map_err(|e| Failed::from(e.to_string()))?;
        let out = match against {
            Against::Variant(v) => project().join("target").join("selftest-variants").join(v),
            _ => project().join("target").join("selftest"),
        };
        let profile = against.profile(case).map_err(|e| Failed::from(e.to_string()))?;
        let r = runtime().block_on(suite::run_entry(
            &suite,
            &entry,
            &profile,
            None,
            &Outputs::under(&out),
            against.strict(),
        ));
        against.judge(case, &r).map_err(Failed::from)
    })
}
