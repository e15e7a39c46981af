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

/// Reads every result in `dir` (unreadable files are reported, not fatal).
pub fn read_results(dir: &Path) -> (Vec<CaseResult>, Vec<String>) {
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (ok, bad);
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for p in paths.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
        match std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
        {
            Ok(r) => ok.push(r),
            Err(e) => bad.push(format!("{}: {e}", p.display())),
        }
    }
    (ok, bad)
}
