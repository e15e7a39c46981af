//! `reports/results/<case-id>.json`: one file per case, written as soon as the case ends so an
//! interrupted run keeps what it finished.

use std::io;
use std::path::Path;

use super::CaseResult;

/// Writes atomically (temporary file, then rename) so a reader never sees half a result.
pub fn write_result(dir: &Path, result: &CaseResult) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let name = format!("{}.json", result.case_id);
    let tmp = dir.join(format!(".{name}.tmp"));
    let json = serde_json::to_vec_pretty(result).map_err(io::Error::other)?;
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, dir.join(name))
}
