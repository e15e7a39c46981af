//! The conformance suite as `cargo test` trials (libtest-mimic), plus the harness's proof of power.
//!
//! * `client::registration::register_to_rd` ... — one trial per case file, against the DUT of
//!   `$LWM2M_DUT` (default: the built-in reference client). Passes when the verdict is pass,
//!   skipped (shown as ignored), or an expected failure listed in the profile.
//! * `selftest::fault::<trial>` — the same case against the reference client started with the
//!   case's `catches` fault: it must FAIL, citing one of the case's requirements. A case that
//!   cannot fail proves nothing.
//!
//! Filter as usual: `cargo test --test conformance -- registration`, list with `-- --list`.
//! Results go to reports/results/<case>.json and reports/junit.xml, pcaps to captures/.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use lwm2m_conformance::case::Profile;
use lwm2m_conformance::evidence::{CaseResult, Verdict, write_junit};
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

fn main() -> ExitCode {
    // SAFETY of set_var: done before any thread starts. `{exe}` must be the harness binary, not
    // this test executable.
    unsafe { std::env::set_var("LWM2M_CONFORMANCE_EXE", env!("CARGO_BIN_EXE_lwm2m-conformance")) };
    let mut args = Arguments::from_args();
    // Trials mostly wait on the DUT (quiet windows, timeouts): run many at once even on 2 cores.
    if args.test_threads.is_none() {
        args.test_threads = Some(32);
    }
    let root = project().join("testcases");
    let suite = match suite::load(&root) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            let msg = e.to_string();
            let t = Trial::test("catalogue", move || Err(Failed::from(msg)));
            return libtest_mimic::run(&args, vec![t]).exit_code();
        }
    };
    let (profile, profile_file) = match suite::select_profile(None) {
        Ok(p) => p,
        Err(e) => {
            let msg = e.to_string();
            let t = Trial::test("dut_profile", move || Err(Failed::from(msg)));
            return libtest_mimic::run(&args, vec![t]).exit_code();
        }
    };
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
    let conclusion = libtest_mimic::run(&args, trials);
    let results = results.lock().map(|r| r.clone()).unwrap_or_default();
    if !results.is_empty() {
        let mut results = results;
        results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
        let path = project().join("reports").join("junit.xml");
        if let Err(e) = write_junit(&path, "lwm2m-conformance", &results) {
            eprintln!("cannot write {}: {e}", path.display());
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
        .and_then(|c| suite::not_applicable(c, profile))
        .is_some();
    if skip {
        // Not applicable: shown as ignored, and recorded as skipped (with the reason) in the results
        // and JUnit, never as passed.
        let out = Outputs::under(&project());
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
        let out = Outputs::under(&project());
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
        let profile = Profile::reference(case.dut, std::slice::from_ref(&case.catches));
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
