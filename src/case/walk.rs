//! Finding the YAML files under a folder. Each folder and file is read once, by its real path: a
//! symlink that leads back to a folder already read (a loop, or a second way into the same cases)
//! is refused with an error naming both paths, instead of reading the same cases again and again.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::yaml::LoadError;

/// Folders below the root a walk descends into.
pub const MAX_DIR_DEPTH: usize = 16;
/// YAML files one walk collects; past it the walk stops with an error.
pub const MAX_FILES: usize = 10_000;

/// The YAML files found under one folder, and the paths the walk refused.
#[derive(Debug, Default)]
pub struct Walk {
    /// Every `*.yaml` except the catalogue, sorted so trial order is stable.
    pub files: Vec<PathBuf>,
    /// Paths refused, each with the reason (a file:1:1 error on the path itself).
    pub refused: Vec<LoadError>,
}

fn refuse(path: &Path, message: String) -> LoadError {
    LoadError {
        file: path.to_path_buf(),
        line: 1,
        column: 1,
        field: String::new(),
        message,
    }
}

/// Walk `dir` breadth first, real folders before symlinked ones, so that when two paths reach
/// the same folder the one kept is the real (and shallowest) one.
pub fn walk(dir: &Path) -> Walk {
    let mut out = Walk::default();
    // Real path -> the path it was first reached by.
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    if let Ok(real) = std::fs::canonicalize(dir) {
        seen.insert(real, dir.to_path_buf());
    }
    let mut real_dirs = VecDeque::from([(dir.to_path_buf(), 0usize)]);
    let mut linked_dirs = VecDeque::new();
    while let Some((d, depth)) = real_dirs.pop_front().or_else(|| linked_dirs.pop_front()) {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for p in paths {
            let is_yaml =
                p.extension().is_some_and(|x| x == "yaml") && p.file_name().is_some_and(|n| n != "requirements.yaml");
            if !p.is_dir() && !is_yaml {
                continue;
            }
            let real = match std::fs::canonicalize(&p) {
                Ok(r) => r,
                // A link to itself or a chain too long to resolve ("too many levels of symbolic links").
                Err(e) => {
                    out.refused.push(refuse(&p, format!("cannot resolve: {e}")));
                    continue;
                }
            };
            if let Some(first) = seen.get(&real) {
                out.refused.push(refuse(
                    &p,
                    format!(
                        "leads to {}, already read as {} (a symlink loop or a second link to the same {}); not read again",
                        real.display(),
                        first.display(),
                        if p.is_dir() { "folder" } else { "file" }
                    ),
                ));
                continue;
            }
            seen.insert(real, p.clone());
            if p.is_dir() {
                if depth + 1 > MAX_DIR_DEPTH {
                    out.refused.push(refuse(
                        &p,
                        format!("folders nest deeper than the limit of {MAX_DIR_DEPTH}; not read"),
                    ));
                } else if p.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
                    linked_dirs.push_back((p, depth + 1));
                } else {
                    real_dirs.push_back((p, depth + 1));
                }
            } else if out.files.len() == MAX_FILES {
                out.refused.push(refuse(
                    &p,
                    format!(
                        "more than {MAX_FILES} YAML files under {}; the rest are not read",
                        dir.display()
                    ),
                ));
                out.files.sort();
                return out;
            } else {
                out.files.push(p);
            }
        }
    }
    out.files.sort();
    out
}
