//! `reports/results/<case-id>.json`: one file per case, written as soon as the case ends so an
//! interrupted run keeps what it finished.

use std::io;
use std::path::Path;

use super::CaseResult;

/// Writes atomically (temporary file, then rename) so a reader never sees half a result.
pub fn write_result(dir: &Path, result: &CaseResult) -> io::Result<()> {
    let json = serde_json::to_vec_pretty(result).map_err(io::Error::other)?;
    super::atomic::write_atomic(&dir.join(format!("{}.json", result.case_id)), &json)
}
