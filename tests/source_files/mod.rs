//! The production source files of `src/` the structure tests read (`mod source_files;`): test
//! files (`tests.rs`, `tests_*.rs`, `tests/` folders) and snapshots are left out, since test code
//! may reach anywhere.

use std::path::{Path, PathBuf};

/// Every such `*.rs` file under `dir`, depth first.
pub fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let p = entry.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
        if p.is_dir() {
            if name != "tests" && name != "snapshots" {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") && !name.starts_with("tests") {
            out.push(p);
        }
    }
}
