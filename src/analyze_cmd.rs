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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use super::{AnalyzeArgs, analyze_file, analyze_file_json, run_analyze};
    use crate::case::Catalogue;
    use crate::dialogue::script::conformant_session;
    use crate::evidence::PcapWriter;

    fn catalogue() -> Catalogue {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testcases");
        crate::case::load::load_catalogue(&root.join("requirements.yaml")).expect("catalogue")
    }

    /// The report with the file's location cut to its name.
    fn report(path: &Path) -> (String, bool) {
        let an = analyze_file(path, &catalogue(), false, true).expect("reads");
        assert!(!an.damaged, "{}", path.display());
        let (lines, gating) = (an.lines, an.gating);
        let dir = format!(
            "{}/",
            path.parent().map(|p| p.display().to_string()).unwrap_or_default()
        );
        (lines.join("\n").replace(&dir, ""), gating)
    }

    /// A capture written by the harness's own pcap writer (synthesized Ethernet/IPv4/UDP), read
    /// back, explained and analyzed.
    #[test]
    fn the_harness_own_capture_explained_and_analyzed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("session.pcap");
        let mut w = PcapWriter::create(&path).expect("creates");
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        for d in conformant_session().datagrams() {
            w.write_udp(t0 + d.at, d.from, d.to, &d.bytes).expect("writes");
        }
        drop(w);
        let (text, gating) = report(&path);
        assert!(!gating);
        insta::assert_snapshot!(text);
    }

    /// tcpdump captures of the third-party lwm2m-node-lib client in two trials of the suite, as
    /// tcpdump wrote them on `-i any` (Linux cooked v2) and, converted by editcap to pcapng, on
    /// `-i lo` (Ethernet): the same transcript and findings from both.
    #[test]
    fn a_third_party_capture_explained_and_analyzed() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capture/testdata");
        let (sll2, gating) = report(&data.join("lwm2m-node-lib-sll2.pcap"));
        let (ethernet, _) = report(&data.join("lwm2m-node-lib-ethernet.pcapng"));
        let body = |t: &str| t.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&sll2), body(&ethernet));
        // The harness's deliberate probe (an Observe before the 2.01) is a server violation.
        assert!(gating);
        insta::assert_snapshot!(sll2);
    }

    /// A tcpdump capture of the third-party lwm2m-node-lib *server* with the reference client:
    /// the server-side checks judge a server nobody here wrote. Its 2.01 carries one Location-Path
    /// option `rd/1`, the location `/rd%2F1`: passively the same failure the active case
    /// server-register-location-under-rd finds (reports/interop/lwm2m-node-lib-server.md).
    #[test]
    fn a_third_party_server_capture_explained_and_analyzed() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capture/testdata");
        let (text, gating) = report(&data.join("lwm2m-node-lib-server-sll2.pcap"));
        assert!(gating, "{text}");
        assert!(text.contains("FAIL          REG-SERVER-LOCATION-UNDER-RD"), "{text}");
        insta::assert_snapshot!(text);
    }

    #[test]
    fn json_findings_carry_level_and_gating() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capture/testdata");
        let an = analyze_file_json(&data.join("lwm2m-node-lib-sll2.pcap"), &catalogue(), false).expect("reads");
        assert!(an.gating);
        let v: serde_json::Value = serde_json::from_str(&an.lines[0]).expect("JSON");
        assert_eq!(v["stopped"], serde_json::Value::Null);
        let failed: Vec<&serde_json::Value> = v["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["verdict"] == "fail")
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0]["requirement"], "IR-SERVER-NO-OPERATION-BEFORE-REGISTRATION");
        assert_eq!(failed[0]["level"], "must");
        assert_eq!(failed[0]["gating"], true);
        assert_eq!(failed[0]["frames"], serde_json::json!([4, 5]));
    }

    /// A copy of a capture cut inside its last frame: the frames before the cut are judged, the
    /// damage is said in text and JSON, and `analyze` exits 2.
    #[test]
    fn a_capture_that_stops_early_is_reported_and_exits_2() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/capture/testdata");
        let whole = std::fs::read(data.join("lwm2m-node-lib-sll2.pcap")).expect("reads");
        let dir = tempfile::tempdir().expect("tempdir");
        let cut = dir.path().join("cut.pcap");
        std::fs::write(&cut, &whole[..whole.len() - 10]).expect("writes");
        let an = analyze_file(&cut, &catalogue(), false, false).expect("reads");
        assert!(an.damaged);
        assert!(
            an.lines[1].starts_with("!! damaged capture: reading stopped after frame "),
            "{:?}",
            an.lines
        );
        let an = analyze_file_json(&cut, &catalogue(), false).expect("reads");
        let v: serde_json::Value = serde_json::from_str(&an.lines[0]).expect("JSON");
        assert!(
            v["stopped"].as_str().is_some_and(|s| s.starts_with("after frame")),
            "{v}"
        );
        for json in [false, true] {
            let code = run_analyze(AnalyzeArgs {
                files: vec![cut.clone()],
                strict: false,
                testcases: None,
                transcript: false,
                json,
            });
            assert_eq!(format!("{code:?}"), format!("{:?}", std::process::ExitCode::from(2)));
        }
    }
}
