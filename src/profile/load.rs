//! Loading a DUT profile: parsed, then validated, each problem at `file:line:column: field`.

use std::path::{Path, PathBuf};

use super::model::Profile;
use crate::yaml::position::locate_problem;
use crate::yaml::{LoadError, parse_yaml, read};

/// Reads a DUT profile and validates it (known features, timings, launch and trigger settings).
pub fn load_profile(file: &Path) -> Result<Profile, LoadError> {
    parse_profile(file, &read(file)?)
}

/// A profile from its text, parsed and validated as [`load_profile`] does; `file` names it in
/// errors (the built-in reference profiles are compiled-in `duts/*.yaml` files).
pub fn parse_profile(file: &Path, text: &str) -> Result<Profile, LoadError> {
    let p: Profile = parse_yaml(file, text)?;
    p.validate().map_err(|m| {
        let field = m.split(':').next().unwrap_or("").to_string();
        let (line, column) = locate_problem(text, &field, &m);
        LoadError {
            file: file.to_path_buf(),
            line,
            column,
            // The field is shown once, before the message.
            message: m.strip_prefix(&format!("{field}: ")).unwrap_or(&m).to_string(),
            field,
        }
    })?;
    Ok(p)
}

/// The DUT profiles in `dir`: the `*.yaml` files directly in it, not what its subfolders hold (a
/// peer's launcher files, its node_modules).
pub fn profile_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}
