//! What every command shares, below the commands themselves: the exit-status convention, output
//! that survives a closed pipe, and loading the suite and the runtime the same way.

pub mod exit;
pub mod output;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::suite;
use output::errln;

/// The testcases folder a command uses: `--testcases`, else [`suite::default_root`] for the DUT
/// profile it was given, if any.
pub fn testcases_root(testcases: Option<PathBuf>, profile: Option<&Path>) -> PathBuf {
    testcases.unwrap_or_else(|| suite::default_root(profile))
}

/// The suite under `root`; a catalogue or loader error is printed and becomes exit status 2, as
/// for every command that runs cases.
pub fn load_suite(root: &Path) -> Result<suite::Suite, ExitCode> {
    suite::load(root).map_err(|e| {
        errln!("{e}");
        missing_testcases(root);
        ExitCode::from(exit::UNUSABLE)
    })
}

/// Whether `root` is no testcases folder (it has no `requirements.yaml`); if so, says how to
/// name one.
pub fn missing_testcases(root: &Path) -> bool {
    let missing = !root.join("requirements.yaml").exists();
    if missing {
        errln!(
            "no testcases folder at {}: give --testcases DIR or set LWM2M_TESTCASES",
            root.display()
        );
    }
    missing
}

/// The multi-threaded runtime the suite runs on; failing to start it is exit status 2.
pub fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            errln!("cannot start the runtime: {e}");
            ExitCode::from(exit::UNUSABLE)
        })
}
