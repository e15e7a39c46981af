//! `lwm2m-conformance analyze FILE...` judges captures taken anywhere against the requirements
//! observation alone can settle, with frame numbers, and exits 1 on a gating failure (2 when a
//! file cannot be read whole).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analyze::{Finding, findings, text};
use crate::capture::Capture;
use crate::case::Catalogue;
use crate::command::exit;
use crate::command::output::errln;
use crate::explain_cmd::{damage, header, print};

#[derive(clap::Args)]
pub(crate) struct AnalyzeArgs {
    /// pcap or pcapng files (Ethernet, raw IP, Linux cooked, loopback; IPv4 or IPv6).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// SHOULD/MAY-level failures fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// The testcases folder holding requirements.yaml (default: $LWM2M_TESTCASES, else
    /// ./testcases).
    #[arg(long)]
    pub testcases: Option<PathBuf>,
    /// Print the transcript before the findings.
    #[arg(long)]
    pub transcript: bool,
    /// Print the findings as JSON Lines (one object per file) instead of text.
    #[arg(long, conflicts_with = "transcript")]
    pub json: bool,
}

/// One file's analysis: its report lines (or one JSON line), whether it gates, and whether the
/// capture stopped early (then the findings cover only what could be read).
pub(crate) struct Analysis {
    pub lines: Vec<String>,
    pub gating: bool,
    pub damaged: bool,
}

/// The analysis of one capture file as report lines.
pub(crate) fn analyze_file(
    path: &Path,
    catalogue: &Catalogue,
    strict: bool,
    transcript: bool,
) -> Result<Analysis, String> {
    let e = Capture::read(path)?.explain();
    let mut lines = vec![header(path, &e)];
    lines.extend(damage(&e));
    if transcript {
        lines.extend(e.transcript());
        lines.push(String::new());
    } else {
        lines.extend(e.peers.legend());
    }
    let f = findings(&e);
    lines.extend(text::render(&f, catalogue, strict));
    Ok(Analysis {
        lines,
        gating: f.iter().any(|f| text::gates(f, catalogue, strict)),
        damaged: e.capture.stopped.is_some(),
    })
}

/// One file's findings, machine-readable, with each requirement's level and whether it gates.
#[derive(serde::Serialize)]
struct JsonReport<'a> {
    file: String,
    frames: usize,
    /// Why reading stopped before the end of the file (null when it was read whole).
    stopped: Option<&'a str>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(serde::Serialize)]
struct JsonFinding<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    level: crate::evidence::Level,
    gating: bool,
}

/// The analysis of one capture file as one JSON line.
pub(crate) fn analyze_file_json(path: &Path, catalogue: &Catalogue, strict: bool) -> Result<Analysis, String> {
    let e = Capture::read(path)?.explain();
    let f = findings(&e);
    let json = JsonReport {
        file: path.display().to_string(),
        frames: e.capture.frames.len(),
        stopped: e.capture.stopped.as_deref(),
        findings: f
            .iter()
            .map(|finding| JsonFinding {
                finding,
                level: catalogue.level_of(&[finding.requirement.to_string()]),
                gating: text::gates(finding, catalogue, strict),
            })
            .collect(),
    };
    let gating = json.findings.iter().any(|f| f.gating);
    let text = serde_json::to_string(&json).map_err(|e| format!("cannot render JSON: {e}"))?;
    Ok(Analysis {
        lines: vec![text],
        gating,
        damaged: json.stopped.is_some(),
    })
}

pub(crate) fn run_analyze(a: AnalyzeArgs) -> ExitCode {
    let root = crate::command::testcases_root(a.testcases, None);
    let catalogue = match crate::case::load::load_catalogue(&root.join("requirements.yaml")) {
        Ok(c) => c,
        Err(e) => {
            errln!("{e}");
            return ExitCode::from(exit::UNUSABLE);
        }
    };
    let (mut gating, mut unreadable) = (false, false);
    for path in &a.files {
        let analysis = if a.json {
            analyze_file_json(path, &catalogue, a.strict)
        } else {
            analyze_file(path, &catalogue, a.strict, a.transcript)
        };
        match analysis {
            Ok(an) => {
                gating |= an.gating;
                // Not all of it could be read: the verdict cannot be trusted to be complete.
                if an.damaged {
                    errln!("{}: the capture stops early; exit status 2", path.display());
                    unreadable = true;
                }
                if !print(&an.lines) {
                    break;
                }
            }
            Err(e) => {
                errln!("{e}");
                unreadable = true;
            }
        }
    }
    match (unreadable, gating) {
        (true, _) => ExitCode::from(exit::UNUSABLE),
        (false, true) => ExitCode::from(exit::PROBLEM),
        (false, false) => ExitCode::SUCCESS,
    }
}
