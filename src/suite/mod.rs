//! The suite: every case file under `testcases/`, run against one DUT profile. Shared by the CLI
//! (`lwm2m-conformance run`) and the libtest-mimic runner (`tests/conformance.rs`) so both give
//! the same verdicts and write the same evidence.

mod applicable;
mod cases;
mod outcome;
pub mod reports;
pub mod selftest;
pub mod summary;
mod unwind;

use std::path::{Path, PathBuf};

use crate::case::Case;
use crate::evidence::{CaseResult, Level};
use crate::profile::Profile;
pub use applicable::{not_applicable, profile_for, select_profile};
pub use cases::{Entry, Suite, default_root, load};
pub use outcome::gates;
pub(crate) use outcome::to_result;

/// Where a run writes its evidence.
#[derive(Clone, Debug)]
pub struct Outputs {
    /// Folder of per-case captures (`<case-id>.pcap`) and DUT logs (`<case-id>.dut.log`).
    pub captures: PathBuf,
    /// Folder of per-case result files (`<case-id>.json`) and `_run.json`.
    pub results: PathBuf,
}

impl Outputs {
    /// The standard layout under `root`: `captures/` and `reports/results/`.
    pub fn under(root: &Path) -> Outputs {
        Outputs {
            captures: root.join("captures"),
            results: root.join("reports").join("results"),
        }
    }
}

/// Run entries in parallel (at most `jobs` at once), each writing its evidence as it ends; the
/// results come back sorted by trial name. `progress` sees each result as it arrives. Every
/// entry that starts gives a result: a trial that panics is an `error` result (it gates).
///
/// When the run is interrupted ([`crate::transport::interrupt`]) no further entry starts (it gets
/// no result: reports list it as not run) and the running ones stop their DUTs and end as
/// `interrupted`.
#[allow(clippy::too_many_arguments)]
pub async fn run_all(
    suite: std::sync::Arc<Suite>,
    entries: Vec<Entry>,
    profile: std::sync::Arc<Profile>,
    profile_file: Option<PathBuf>,
    out: Outputs,
    jobs: usize,
    strict: bool,
    progress: impl Fn(&CaseResult),
) -> Vec<CaseResult> {
    let run = {
        let (suite, profile, out) = (suite.clone(), profile.clone(), out.clone());
        move |entry: Entry| {
            let (suite, profile, pf, out) = (suite.clone(), profile.clone(), profile_file.clone(), out.clone());
            async move { run_entry(&suite, &entry, &profile, pf.as_deref(), &out, strict).await }
        }
    };
    let crashed = |entry: &Entry, what: String| {
        let r = outcome::panicked(entry, &suite, &profile, &what);
        write_result(&out, &r);
        r
    };
    run_each(entries, jobs, run, crashed, progress).await
}

/// Runs `run` for each entry as a task, at most `jobs` at once. A task that fails (it
/// panicked outside the trial's own guard, or was cancelled) still gives its entry a result,
/// from `crashed`.
async fn run_each<F, Fut>(
    entries: Vec<Entry>,
    jobs: usize,
    run: F,
    crashed: impl Fn(&Entry, String) -> CaseResult,
    progress: impl Fn(&CaseResult),
) -> Vec<CaseResult>
where
    F: Fn(Entry) -> Fut,
    Fut: std::future::Future<Output = CaseResult> + Send + 'static,
{
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(jobs.max(1)));
    let mut set = tokio::task::JoinSet::new();
    let mut tasks = std::collections::HashMap::new();
    for entry in entries {
        let sem = sem.clone();
        let trial = run(entry.clone());
        let task = set.spawn(async move {
            let _permit = tokio::select! {
                p = sem.acquire() => p,
                _ = crate::transport::interrupt::wait() => return None,
            };
            if crate::transport::interrupt::requested().is_some() {
                return None;
            }
            Some(trial.await)
        });
        tasks.insert(task.id(), entry);
    }
    let mut results = Vec::new();
    while let Some(joined) = set.join_next_with_id().await {
        let r = match joined {
            Ok((_, Some(r))) => r,
            Ok((_, None)) => continue,
            Err(e) => {
                let Some(entry) = tasks.get(&e.id()) else {
                    tracing::error!("a trial task failed: {e}");
                    continue;
                };
                let what = if e.is_panic() {
                    unwind::panic_text(e.into_panic().as_ref())
                } else {
                    format!("its task ended early: {e}")
                };
                crashed(entry, what)
            }
        };
        progress(&r);
        results.push(r);
    }
    results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    results
}

/// Run one entry against a profile, write its result file, and return the result. A trial
/// that panics gives an `error` result (it gates) naming the panic.
pub async fn run_entry(
    suite: &Suite,
    entry: &Entry,
    profile: &Profile,
    profile_file: Option<&Path>,
    out: &Outputs,
    strict: bool,
) -> CaseResult {
    let trial = run_entry_inner(suite, entry, profile, profile_file, out, strict);
    conclude(suite, entry, profile, out, trial).await
}

/// The result of `trial` (an `error` naming the panic if it panicked), written to its file.
async fn conclude(
    suite: &Suite,
    entry: &Entry,
    profile: &Profile,
    out: &Outputs,
    trial: impl std::future::Future<Output = CaseResult>,
) -> CaseResult {
    let result = match unwind::caught(trial).await {
        Ok(r) => r,
        Err(what) => outcome::panicked(entry, suite, profile, &what),
    };
    write_result(out, &result);
    result
}

fn write_result(out: &Outputs, result: &CaseResult) {
    if let Err(e) = crate::evidence::write_result(&out.results, result) {
        tracing::error!("cannot write result of {}: {e}", result.case_id);
    }
}

async fn run_entry_inner(
    suite: &Suite,
    entry: &Entry,
    profile: &Profile,
    profile_file: Option<&Path>,
    out: &Outputs,
    strict: bool,
) -> CaseResult {
    let own = match prepare(suite, entry, profile, profile_file, out) {
        Ok(t) => t,
        Err(done) => return *done,
    };
    let output = crate::transport::run_trial(own.case.clone(), &own.profile, &own.paths).await;
    to_result(entry, &own.case, &own.profile, own.level, strict, &own.paths, output)
}

/// [`run_entry`] on the in-memory pairing (`crate::sim`): the same result, judged the same way,
/// from the built-in reference DUT's core on virtual time instead of its process. The capture
/// is written as on the process path; there is no DUT log.
pub fn run_entry_in_memory(suite: &Suite, entry: &Entry, profile: &Profile, out: &Outputs, strict: bool) -> CaseResult {
    let result = match prepare(suite, entry, profile, None, out) {
        Ok(own) => {
            // A log an earlier process run of this case left beside the capture is not this
            // trial's: the result must not point at it.
            let _ = std::fs::remove_file(&own.paths.dut_log);
            let output = crate::sim::run_trial(own.case.clone(), &own.profile, Some(&own.paths.pcap));
            to_result(entry, &own.case, &own.profile, own.level, strict, &own.paths, output)
        }
        Err(done) => *done,
    };
    write_result(out, &result);
    result
}

/// A trial ready to run: its case, level, profile and evidence paths.
struct Prepared<'a> {
    case: Case,
    level: Level,
    profile: std::borrow::Cow<'a, Profile>,
    paths: crate::transport::TrialPaths,
}

/// What every trial does before it runs: Err is the whole result when there is nothing to run
/// (the case file does not load, or the case does not apply to the profile).
fn prepare<'a>(
    suite: &Suite,
    entry: &Entry,
    profile: &'a Profile,
    profile_file: Option<&Path>,
    out: &Outputs,
) -> Result<Prepared<'a>, Box<CaseResult>> {
    let case = match &entry.case {
        Ok(c) => c.clone(),
        Err(e) => return Err(Box::new(outcome::load_error(entry, profile, e))),
    };
    let level = suite.catalogue.level_of(&case.requirements);
    let own = match profile_for(&case, profile) {
        Ok(p) => p,
        Err(e) => return Err(Box::new(outcome::load_error(entry, profile, &e))),
    };
    if let Some(why) = not_applicable(&case, &own) {
        return Err(Box::new(outcome::skipped(entry, &case, &own, level, why)));
    }
    let paths = crate::transport::TrialPaths {
        pcap: out.captures.join(format!("{}.pcap", case.id)),
        dut_log: out.captures.join(format!("{}.dut.log", case.id)),
        profile_dir: crate::transport::trial::profile_dir(profile_file),
    };
    Ok(Prepared {
        case,
        level,
        profile: own,
        paths,
    })
}

#[cfg(test)]
mod tests;
