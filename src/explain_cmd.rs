//! `lwm2m-conformance explain FILE...` prints the LwM2M transcript of captures taken anywhere;
//! `lwm2m-conformance analyze FILE...` judges them against the requirements observation alone can
//! settle, with frame numbers, and exits non-zero on a gating failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analyze::{Exchange, Finding, analyze, report};
use crate::capture::{Capture, Explained};
use crate::case::Catalogue;

#[derive(clap::Args)]
pub struct ExplainArgs {
    /// pcap or pcapng files (Ethernet, raw IP, Linux cooked, loopback; IPv4 or IPv6).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct AnalyzeArgs {
    /// pcap or pcapng files (Ethernet, raw IP, Linux cooked, loopback; IPv4 or IPv6).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// SHOULD/MAY-level failures fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// The testcases folder holding requirements.yaml (default: as for `run`).
    #[arg(long)]
    pub testcases: Option<PathBuf>,
    /// Print the transcript before the findings.
    #[arg(long)]
    pub transcript: bool,
}

fn header(path: &Path, e: &Explained) -> String {
    let udp = e.annotated.len();
    format!(
        "== {}: {} frames, {udp} UDP datagrams",
        path.display(),
        e.capture.frames.len()
    )
}

pub fn explain(a: ExplainArgs) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for path in &a.files {
        match Capture::read(path) {
            Ok(c) => {
                let e = c.explain();
                println!("{}", header(path, &e));
                for line in e.transcript() {
                    println!("{line}");
                }
            }
            Err(err) => {
                eprintln!("{err}");
                code = ExitCode::from(2);
            }
        }
    }
    code
}

/// The findings for one explained capture.
pub fn findings(e: &Explained) -> Vec<Finding> {
    analyze(&Exchange {
        items: &e.annotated,
        roles: &e.roles,
    })
}

/// The analysis of one capture file as report lines, and whether it gates.
pub fn analyze_file(
    path: &Path,
    catalogue: &Catalogue,
    strict: bool,
    transcript: bool,
) -> Result<(Vec<String>, bool), String> {
    let e = Capture::read(path)?.explain();
    let mut lines = vec![header(path, &e)];
    if transcript {
        lines.extend(e.transcript());
        lines.push(String::new());
    } else {
        lines.extend(e.peers.legend());
    }
    let f = findings(&e);
    lines.extend(report::render(&f, catalogue, strict));
    let gating = f.iter().any(|f| report::gates(f, catalogue, strict));
    Ok((lines, gating))
}

pub fn run_analyze(a: AnalyzeArgs) -> ExitCode {
    let root = a.testcases.unwrap_or_else(crate::suite::default_root);
    let catalogue = match crate::case::load::load_catalogue(&root.join("requirements.yaml")) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let (mut gating, mut unreadable) = (false, false);
    for path in &a.files {
        match analyze_file(path, &catalogue, a.strict, a.transcript) {
            Ok((lines, gates)) => {
                for l in lines {
                    println!("{l}");
                }
                gating |= gates;
            }
            Err(e) => {
                eprintln!("{e}");
                unreadable = true;
            }
        }
    }
    match (unreadable, gating) {
        (true, _) => ExitCode::from(2),
        (false, true) => ExitCode::from(1),
        (false, false) => ExitCode::SUCCESS,
    }
}
