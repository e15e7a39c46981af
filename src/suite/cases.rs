//! The suite's cases: every case file under a testcases folder becomes an entry, loaded or with
//! the error that keeps it from loading (duplicate IDs and unknown `catches` too), so a bad file is
//! one failing trial and the others still run.

use std::path::{Path, PathBuf};

use crate::case::load::{load_case, load_catalogue};
use crate::case::{Case, Catalogue};
use crate::yaml::LoadError;

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
