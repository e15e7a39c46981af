//! Merging the per-case result files of one or many shards (nextest processes, CI runners) into
//! one result set for the reports. Each shard directory is a `reports/` folder (with `results/`
//! inside) or a `results/` folder itself.
//!
//! One case in two shards is accepted only when both judged it the same way (same DUT, verdict,
//! gating): nextest writes a skipped case's result from every process, and a retried trial may be
//! recorded twice. Its evidence then differs only in timing and tokens; the earlier result is kept.
//! Two different verdicts for one case are an error: no report may pick one silently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::{CaseResult, RUN_INFO_FILE, RunInfo};

/// Why shards cannot be merged into one honest result set.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A shard folder or result file cannot be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The folder or file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `.json` file in a results folder is not a result file (or `_run.json` not a run's).
    #[error("{}: not a result file: {source}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why it does not deserialize.
        source: serde_json::Error,
    },
    /// Two shards judged one case differently (verdict, DUT, gating, level or requirements).
    #[error("case {case}: {first} says {a}, {second} says {b}")]
    Conflict {
        /// The case ID.
        case: String,
        /// The first result file.
        first: String,
        /// Its judgement.
        a: String,
        /// The second result file.
        second: String,
        /// Its judgement.
        b: String,
    },
    /// The shards' `_run.json` name different DUTs or profiles: not one run.
    #[error("the shards ran against different DUTs: {a} ({a_profile}) and {b} ({b_profile})")]
    Runs {
        /// The first DUT's name.
        a: String,
        /// Its profile.
        a_profile: String,
        /// The other DUT's name.
        b: String,
        /// Its profile.
        b_profile: String,
    },
}

/// The result set of every shard, one result per case.
#[derive(Debug, Default)]
pub struct Merged {
    /// Sorted by trial name.
    pub results: Vec<CaseResult>,
    /// What the run was against, from the first shard with a `_run.json`; None if none had one.
    pub info: Option<RunInfo>,
    /// Things a person should know (duplicates, harness versions that differ).
    pub notes: Vec<String>,
}

/// Where a shard directory keeps its result files.
fn results_dir(dir: &Path) -> PathBuf {
    let inner = dir.join("results");
    if inner.is_dir() { inner } else { dir.to_path_buf() }
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, MergeError> {
    let bytes = std::fs::read(path).map_err(|source| MergeError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|source| MergeError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// What one shard directory holds.
struct Shard {
    /// Each result with the file it came from, in file-name order.
    results: Vec<(PathBuf, CaseResult)>,
    info: Option<RunInfo>,
}

fn read_shard(dir: &Path) -> Result<Shard, MergeError> {
    let dir = results_dir(dir);
    let listing = std::fs::read_dir(&dir).map_err(|source| MergeError::Read {
        path: dir.clone(),
        source,
    })?;
    let mut files: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // Temporary files of writes in progress start with a dot.
            name.ends_with(".json") && !name.starts_with('.') && name != RUN_INFO_FILE
        })
        .collect();
    files.sort();
    let mut results = Vec::new();
    for f in files {
        let r: CaseResult = read_json(&f)?;
        results.push((f, r));
    }
    let info_file = dir.join(RUN_INFO_FILE);
    let info = if info_file.exists() {
        Some(read_json(&info_file)?)
    } else {
        None
    };
    Ok(Shard { results, info })
}

/// What two records of one case must agree on: the verdict and what it was judged against.
/// Timing, transcripts and tokens differ between any two runs and are not compared.
fn judgement(r: &CaseResult) -> String {
    format!(
        "{} against {} (gating: {}; {} [{}])",
        r.verdict.name(),
        r.dut,
        r.gating,
        r.level.word(),
        r.requirements.join(", ")
    )
}

/// Reads every shard folder (a `reports/` folder or its `results/`) and merges the results: a
/// case recorded twice with the same judgement is kept once (noted), with different ones it is
/// a [`MergeError::Conflict`].
pub fn merge(dirs: &[PathBuf]) -> Result<Merged, MergeError> {
    let mut merged = Merged::default();
    let mut by_case: BTreeMap<String, (PathBuf, CaseResult)> = BTreeMap::new();
    let mut duplicates = 0;
    for dir in dirs {
        let Shard { results, info } = read_shard(dir)?;
        if let Some(info) = info {
            match &merged.info {
                None => merged.info = Some(info),
                Some(have) if have.dut != info.dut || have.profile != info.profile => {
                    return Err(MergeError::Runs {
                        a: have.dut.clone(),
                        a_profile: have.profile.clone(),
                        b: info.dut,
                        b_profile: info.profile,
                    });
                }
                Some(have) if have.harness != info.harness => merged.notes.push(format!(
                    "{}: harness {} (others: {})",
                    dir.display(),
                    info.harness,
                    have.harness
                )),
                Some(_) => {}
            }
        }
        for (path, r) in results {
            match by_case.get_mut(&r.case_id) {
                None => {
                    by_case.insert(r.case_id.clone(), (path, r));
                }
                Some((first, have)) => {
                    if judgement(have) != judgement(&r) {
                        return Err(MergeError::Conflict {
                            case: r.case_id.clone(),
                            first: first.display().to_string(),
                            a: judgement(have),
                            second: path.display().to_string(),
                            b: judgement(&r),
                        });
                    }
                    duplicates += 1;
                    if r.started_at < have.started_at {
                        *first = path;
                        *have = r;
                    }
                }
            }
        }
    }
    if duplicates > 0 {
        merged.notes.push(format!(
            "{duplicates} result(s) recorded by more than one shard with the same verdict: kept the earliest of each"
        ));
    }
    merged.results = by_case.into_values().map(|(_, r)| r).collect();
    merged.results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    Ok(merged)
}

#[cfg(test)]
mod tests;
