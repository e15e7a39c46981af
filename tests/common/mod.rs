//! What the end-to-end tests that run suite cases against one DUT profile share (`mod common;`).

use std::path::Path;
use std::sync::Arc;

use lwm2m_conformance::evidence::CaseResult;
use lwm2m_conformance::profile::Profile;
use lwm2m_conformance::suite::{self, Outputs, Suite};

/// Runs the suite's trials whose name `keep` accepts against `profile` (loaded from
/// `profile_file`), `jobs` at a time, with evidence under `out`; the results in run order.
/// Panics when no trial is kept: a test that judges no case proves nothing.
pub fn run_cases(
    suite: &Arc<Suite>,
    keep: impl Fn(&str) -> bool,
    profile: Profile,
    profile_file: &Path,
    out: Outputs,
    jobs: usize,
) -> Vec<CaseResult> {
    let entries: Vec<_> = suite.entries.iter().filter(|e| keep(&e.trial_name)).cloned().collect();
    assert!(!entries.is_empty(), "no trial of the suite is kept");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(suite::run_all(
        suite.clone(),
        entries,
        Arc::new(profile),
        Some(profile_file.to_path_buf()),
        out,
        jobs,
        false,
        |_| {},
    ))
}
