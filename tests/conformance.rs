//! The conformance suite as `cargo test` trials (libtest-mimic), plus the harness's proof of power.
//!
//! * `client::registration::register_to_rd` ... — one trial per case file, against the DUT of
//!   `$LWM2M_DUT` (default: the built-in reference DUT of the case's role). Passes when the verdict is pass,
//!   skipped (shown as ignored), or an expected failure listed in the profile.
//! * `selftest::fault::<trial>` — the same case against the reference DUT started with the
//!   case's `catches` fault: it must FAIL, citing one of the case's requirements. A case that
//!   cannot fail proves nothing.
//!
//! * `selftest::variant::<variant>::<trial>` — the same case against the reference DUT of its
//!   role taking one conformant variant (`--variant`: another content format, a legal delay, ...),
//!   with that variant's profile: it must pass, or be skipped for a reason the profile states.
//!   A case that fails a conformant implementation is over-strict.
//!
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

use lwm2m_conformance::case::Profile;
use lwm2m_conformance::evidence::{CaseResult, RunInfo, Verdict};
use lwm2m_conformance::suite::{self, Entry, Outputs, Suite};

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
    for entry in &suite.entries {
        if entry.case.is_ok() {
            trials.push(fault_trial(&suite, entry));
        }
    }
    for variant in lwm2m_conformance::reference::variants() {
        for entry in &suite.entries {
            if entry.case.as_ref().is_ok_and(|c| c.dut == variant.role) {
                trials.push(variant_trial(&suite, entry, variant.id));
            }
        }
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

fn fault_trial(suite: &Arc<Suite>, entry: &Entry) -> Trial {
    let (suite, entry) = (suite.clone(), entry.clone());
    let name = format!("selftest::fault::{}", entry.trial_name);
    Trial::test(name, move || {
        let case = entry.case.as_ref().map_err(|e| Failed::from(e.to_string()))?;
        let profile = Profile::reference(case.dut, std::slice::from_ref(&case.catches))
            .map_err(|e| Failed::from(e.to_string()))?;
        let out = Outputs::under(&project().join("target").join("selftest"));
        let r = runtime().block_on(suite::run_entry(&suite, &entry, &profile, None, &out, true));
        let cites = case
            .requirements
            .iter()
            .any(|id| r.message.as_deref().unwrap_or("").contains(id.as_str()));
        match r.verdict {
            Verdict::Fail if cites => Ok(()),
            Verdict::Fail => Err(Failed::from(format!(
                "failed, but the message cites none of {:?}:\n{}",
                case.requirements,
                r.failure_text()
            ))),
            other => Err(Failed::from(format!(
                "the case did not catch its fault `{}`: verdict {other:?} (it must be fail)\n{}",
                case.catches,
                r.failure_text()
            ))),
        }
    })
}

fn variant_trial(suite: &Arc<Suite>, entry: &Entry, variant: &'static str) -> Trial {
    let (suite, entry) = (suite.clone(), entry.clone());
    let name = format!("selftest::variant::{variant}::{}", entry.trial_name);
    Trial::test(name, move || {
        let case = entry.case.as_ref().map_err(|e| Failed::from(e.to_string()))?;
        let profile = Profile::reference_variant(case.dut, variant).map_err(|e| Failed::from(e.to_string()))?;
        let out = Outputs::under(&project().join("target").join("selftest-variants").join(variant));
        let r = runtime().block_on(suite::run_entry(&suite, &entry, &profile, None, &out, false));
        match r.verdict {
            Verdict::Pass | Verdict::Skipped => Ok(()),
            other => Err(Failed::from(format!(
                "verdict {other:?} against the conformant variant `{variant}` (it must pass or be skipped): \
                 the case is stricter than the specification\n{}",
                r.failure_text()
            ))),
        }
    })
}
