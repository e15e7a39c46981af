//! The suite: every case file under `testcases/`, run against one DUT profile. Shared by the CLI
//! (`lwm2m-conformance run`) and the libtest-mimic runner (`tests/conformance.rs`) so both give
//! the same verdicts and write the same evidence.

mod outcome;
pub mod reports;
pub mod selftest;
pub mod summary;
mod unwind;

use std::path::{Path, PathBuf};

use crate::case::load::{load_case, load_catalogue};
use crate::case::{Case, Catalogue};
use crate::evidence::{CaseResult, Level, Verdict};
use crate::lwm2m::Role;
use crate::profile::Profile;
use crate::profile::load_profile;
use crate::yaml::LoadError;
pub(crate) use outcome::to_result;

/// One case file, loaded or not: a file that fails to load is still a trial (an error verdict).
#[derive(Clone, Debug)]
pub struct Entry {
    /// The case file.
    pub file: PathBuf,
    /// `client::registration::register_to_rd`, from the path under testcases/.
    pub trial_name: String,
    /// `client.registration`.
    pub classname: String,
    /// The loaded case, or why the file does not load (the trial then reports an error).
    pub case: Result<Case, LoadError>,
}

impl Entry {
    /// The ID used for evidence file names: the case's own ID, or the file stem when it did not load.
    pub fn case_id(&self) -> String {
        match &self.case {
            Ok(c) => c.id.clone(),
            Err(_) => self
                .file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
        }
    }
}

/// Every case under a testcases folder, with the catalogue they cite.
pub struct Suite {
    /// The testcases folder (holding `requirements.yaml` and `<role>/<interface>/*.yaml`).
    pub root: PathBuf,
    /// The requirement catalogue, `requirements.yaml`.
    pub catalogue: Catalogue,
    /// One entry per case file, sorted by path; duplicate IDs and unknown `catches` are errors.
    pub entries: Vec<Entry>,
}

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

/// The testcases folder when none is named: `$LWM2M_TESTCASES`, else the `testcases/` next to
/// the DUT profile (in its folder, or in the folder above, as `duts/x.yaml` sits beside
/// `testcases/`), else `./testcases`. Never the folder the harness was built in: the binary
/// judges the cases of the project it is run in.
pub fn default_root(profile: Option<&Path>) -> PathBuf {
    if let Some(p) = std::env::var_os("LWM2M_TESTCASES") {
        return PathBuf::from(p);
    }
    let mut beside = profile
        .and_then(Path::parent)
        .into_iter()
        .flat_map(|dir| std::iter::once(dir.join("testcases")).chain(dir.parent().map(|up| up.join("testcases"))));
    beside
        .find(|t| t.join("requirements.yaml").is_file())
        .unwrap_or_else(|| PathBuf::from("testcases"))
}

/// Loads the suite under `root`: the catalogue must load (else Err); each case file becomes an
/// entry, loaded or with the error that keeps it from loading.
pub fn load(root: &Path) -> Result<Suite, LoadError> {
    let catalogue = load_catalogue(&root.join("requirements.yaml"))?;
    let walk = crate::case::walk::walk(root);
    // Cases live in testcases/<role>/<interface>/; files at the top (the catalogue) are not cases.
    let loaded = walk.files.into_iter().filter(|f| f.parent() != Some(root)).map(|file| {
        let case = load_case(&file, &catalogue);
        (file, case)
    });
    // A refused path (a symlink loop, a limit) is one error trial, like a file that fails to load.
    let refused = walk.refused.into_iter().map(|e| (e.file.clone(), Err(e)));
    let mut entries: Vec<Entry> = loaded
        .chain(refused)
        .map(|(file, case)| entry(root, file, case))
        .collect();
    entries.sort_by(|a, b| a.file.cmp(&b.file));
    refuse_duplicate_ids(&mut entries);
    refuse_unknown_catches(&mut entries);
    Ok(Suite {
        root: root.to_path_buf(),
        catalogue,
        entries,
    })
}

fn entry(root: &Path, file: PathBuf, case: Result<Case, LoadError>) -> Entry {
    let rel = file.strip_prefix(root).unwrap_or(&file).with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Entry {
        trial_name: parts.join("::"),
        classname: parts[..parts.len().saturating_sub(1)].join("."),
        file,
        case,
    }
}

/// Cases sharing an `id` would overwrite each other's evidence: every one of them becomes an error
/// naming another file with that ID.
fn refuse_duplicate_ids(entries: &mut [Entry]) {
    let mut by_id: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, e) in entries.iter().enumerate() {
        if let Ok(c) = &e.case {
            by_id.entry(c.id.clone()).or_default().push(i);
        }
    }
    for (id, at) in by_id.into_iter().filter(|(_, at)| at.len() > 1) {
        for (n, &i) in at.iter().enumerate() {
            let other = entries[at[if n == 0 { 1 } else { 0 }]].file.clone();
            entries[i].case = Err(crate::case::load::duplicate_id(&entries[i].file, &id, &other));
        }
    }
}

/// A case's `catches` names the reference DUT fault its fault self-test runs: a name that is no
/// fault of the case's role would make that self-test fail for the wrong reason.
fn refuse_unknown_catches(entries: &mut [Entry]) {
    for e in entries.iter_mut() {
        let Ok(case) = &e.case else { continue };
        let faults = crate::reference::fault_ids(case.dut);
        if !faults.contains(&case.catches.as_str()) {
            e.case = Err(crate::case::load::unknown_fault(
                &e.file,
                &case.catches,
                case.dut,
                &faults,
            ));
        }
    }
}

/// The profile named by `--dut` or `$LWM2M_DUT`, else the built-in reference client, with the
/// run's additions to its launches: `args` (`--dut-arg`) after those of `$LWM2M_DUT_ARGS` (split as
/// a shell would), and `env` (`--dut-env`).
pub fn select_profile(
    file: Option<&Path>,
    args: &[String],
    env: &[(String, String)],
) -> Result<(Profile, Option<PathBuf>), LoadError> {
    let file = file
        .map(Path::to_path_buf)
        .or_else(|| std::env::var_os("LWM2M_DUT").map(PathBuf::from));
    let (profile, file) = match file {
        Some(f) => (load_profile(&f)?, Some(f)),
        None => (crate::profile::reference(Role::Client, &[])?, None),
    };
    let problem = |message: String| LoadError {
        file: file
            .clone()
            .unwrap_or_else(|| PathBuf::from("(built-in reference client)")),
        line: 1,
        column: 1,
        field: "launch".into(),
        message,
    };
    let mut all: Vec<String> = match std::env::var("LWM2M_DUT_ARGS") {
        Ok(text) => shlex::split(&text).ok_or_else(|| problem(format!("LWM2M_DUT_ARGS: cannot split `{text}`")))?,
        Err(_) => Vec::new(),
    };
    all.extend_from_slice(args);
    let profile = profile.with_run_additions(&all, env).map_err(problem)?;
    Ok((profile, file))
}

/// The profile a case runs against: with no profile named, every case runs against the
/// built-in reference DUT of its role.
pub fn profile_for<'a>(case: &Case, profile: &'a Profile) -> Result<std::borrow::Cow<'a, Profile>, LoadError> {
    Ok(if profile.builtin && case.dut != profile.role {
        std::borrow::Cow::Owned(crate::profile::reference(case.dut, &[])?)
    } else {
        std::borrow::Cow::Borrowed(profile)
    })
}

/// Why a case does not apply to this DUT, if it doesn't.
pub fn not_applicable(case: &Case, profile: &Profile) -> Option<String> {
    if case.dut != profile.role {
        return Some(format!(
            "the case is for {} DUTs; the profile's DUT is a {}",
            case.dut.as_str(),
            profile.role.as_str()
        ));
    }
    if case.start != crate::case::model::Start::Server
        && profile.attach.is_none()
        && profile.launch_for(case.start).is_none()
    {
        let key = match case.start {
            crate::case::model::Start::Bootstrap => "bootstrap_launch",
            crate::case::model::Start::ServerAndBootstrap => "server_and_bootstrap_launch",
            _ => "server_initiated_launch",
        };
        return Some(format!(
            "the case starts the DUT in {} mode; the profile has no `{key}`",
            case.start.as_str()
        ));
    }
    // A set: a case that triggers the same operation twice names it once.
    let triggers: std::collections::BTreeSet<&str> = case
        .steps
        .iter()
        .filter_map(|s| match s {
            crate::case::Step::Trigger(t) if !profile.triggers.contains_key(&t.operation) => Some(t.operation.as_str()),
            _ => None,
        })
        .collect();
    if !triggers.is_empty() {
        let triggers: Vec<&str> = triggers.into_iter().collect();
        return Some(format!("the profile cannot trigger: {}", triggers.join(", ")));
    }
    if !profile.lwm2m_version.within(&case.versions) {
        return Some(format!(
            "the case judges the LwM2M {} rule; the profile's DUT implements LwM2M {}",
            crate::lwm2m::version::list(&case.versions),
            profile.lwm2m_version
        ));
    }
    let missing: Vec<&str> = case
        .needs
        .iter()
        .filter(|n| !crate::feature::declares(&profile.features, n))
        .map(String::as_str)
        .collect();
    if missing.is_empty() {
        None
    } else {
        Some(format!("the profile does not declare: {}", missing.join(", ")))
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

/// Whether a result must fail the run: MUST-level problems always, others only with `--strict`;
/// an interrupted case always (the run did not finish).
pub fn gates(level: Level, verdict: Verdict, strict: bool) -> bool {
    verdict.is_problem() && (level == Level::Must || strict || verdict == Verdict::Interrupted)
}

#[cfg(test)]
mod tests;
