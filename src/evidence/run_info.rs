//! What a run was against, for the checklist's header: the DUT, its profile and what it declares,
//! and the harness version. Written next to the per-case results (`results/_run.json`) by every
//! process of a run, so the merge of CI shards (`lwm2m-conformance report`) knows it too. It holds
//! no timestamps: every process of one run writes the same bytes, and the date comes from the
//! results themselves.

use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::profile::Profile;

/// The file name in the results folder. A leading `_` keeps it apart from `<case-id>.json`
/// (case IDs start with their role) without hiding it from CI artifact uploads.
pub const RUN_INFO_FILE: &str = "_run.json";

/// The DUT a run was against and what its profile declares: the checklist's header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunInfo {
    /// `lwm2m-conformance 0.1.0`.
    pub harness: String,
    /// The profile's name, e.g. `reference-client` or `my-device`.
    pub dut: String,
    /// The profile file, or `built-in` for the reference DUTs.
    pub profile: String,
    /// The DUT's role (`client`, ...), or all three for a run of the built-in reference DUTs.
    pub role: String,
    /// The profile's description of the DUT.
    #[serde(default)]
    pub description: Option<String>,
    /// The optional features the profile declares; cases needing others are skipped.
    #[serde(default)]
    pub features: Vec<String>,
    /// The Content-Formats the DUT supports, in the profile's order of preference.
    #[serde(default)]
    pub content_formats: Vec<String>,
    /// Case IDs the profile lists as known failures.
    #[serde(default)]
    pub known_failures: Vec<String>,
}

impl RunInfo {
    /// What a run against `profile` (read from `profile_file`, None for a built-in one) is against.
    pub fn new(profile: &Profile, profile_file: Option<&Path>) -> RunInfo {
        let harness = format!("{} {}", env!("CARGO_PKG_NAME"), env!("CARGO_PKG_VERSION"));
        // With no profile named, each case runs against the reference DUT of its own role, so
        // the client profile's name, role and features would misdescribe the run.
        if profile.builtin && profile_file.is_none() {
            return RunInfo {
                harness,
                dut: "built-in reference DUTs".into(),
                profile: "built-in (each case runs against the reference DUT of its role)".into(),
                role: "client, server, bootstrap-server".into(),
                description: Some("the conformant reference client, server and Bootstrap-Server".into()),
                features: Vec::new(),
                content_formats: profile.content_formats.clone(),
                known_failures: Vec::new(),
            };
        }
        RunInfo {
            harness,
            dut: profile.name.clone(),
            profile: match profile_file {
                // Relative to the working directory when under it, like the result files' paths.
                Some(f) => {
                    let cwd = std::env::current_dir().unwrap_or_default();
                    f.strip_prefix(&cwd).unwrap_or(f).display().to_string()
                }
                None => "(none)".into(),
            },
            role: profile.role.as_str().to_owned(),
            description: profile.description.clone(),
            features: profile.features.clone(),
            content_formats: profile.content_formats.clone(),
            known_failures: profile.known_failures.keys().cloned().collect(),
        }
    }

    /// For results that came without their run's `_run.json`: what the results themselves say.
    pub fn unknown(dut: &str) -> RunInfo {
        RunInfo {
            harness: "(unknown)".into(),
            dut: dut.to_owned(),
            profile: "(unknown: no _run.json among the results)".into(),
            role: "(unknown)".into(),
            description: None,
            features: Vec::new(),
            content_formats: Vec::new(),
            known_failures: Vec::new(),
        }
    }

    /// Where the run info lives in a results folder: `<results_dir>/_run.json`.
    pub fn path_in(results_dir: &Path) -> PathBuf {
        results_dir.join(RUN_INFO_FILE)
    }

    /// Writes `_run.json` into `results_dir`, atomically.
    pub fn write(&self, results_dir: &Path) -> io::Result<()> {
        let json = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        super::atomic::write_atomic(&Self::path_in(results_dir), &json)
    }
}
