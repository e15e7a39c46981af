//! `lwm2m-conformance explain FILE...` prints the LwM2M transcript of captures taken anywhere
//! (`analyze_cmd` judges them).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::capture::{Capture, Explained};
use crate::command::exit;
use crate::command::output::errln;

#[derive(clap::Args)]
pub(crate) struct ExplainArgs {
    /// pcap or pcapng files (Ethernet, raw IP, Linux cooked, loopback; IPv4 or IPv6).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

pub(crate) fn header(path: &Path, e: &Explained) -> String {
    format!(
        "== {}: {} frames, {} of them datagrams of CoAP flows",
        path.display(),
        e.capture.frames.len(),
        e.annotated.len()
    )
}

/// A capture that stops early is said so in plain words, right under its header: what follows
/// (the transcript, the findings) covers only the frames before the damage.
pub(crate) fn damage(e: &Explained) -> Option<String> {
    e.capture.stopped.as_ref().map(|why| {
        format!(
            "!! damaged capture: reading stopped {why}; only the {} frames before it are shown and judged",
            e.capture.frames.len()
        )
    })
}

/// Writes lines to stdout; false once stdout is gone (`explain x.pcap | head`), which is no error.
pub(crate) fn print(lines: &[String]) -> bool {
    lines.iter().all(|l| crate::command::output::outln!("{l}"))
}

pub(crate) fn explain(a: ExplainArgs) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for path in &a.files {
        match Capture::read(path) {
            Ok(c) => {
                let e = c.explain();
                let mut lines = vec![header(path, &e)];
                if let Some(d) = damage(&e) {
                    errln!("{}: {d}", path.display());
                    lines.push(d);
                    code = ExitCode::from(exit::UNUSABLE);
                }
                lines.extend(e.transcript());
                if !print(&lines) {
                    break;
                }
            }
            Err(err) => {
                errln!("{err}");
                code = ExitCode::from(exit::UNUSABLE);
            }
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::{Duration, SystemTime};

    use crate::analyze_cmd::analyze_file;
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
        let an = crate::analyze_cmd::analyze_file_json(&data.join("lwm2m-node-lib-sll2.pcap"), &catalogue(), false)
            .expect("reads");
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
        let an = crate::analyze_cmd::analyze_file_json(&cut, &catalogue(), false).expect("reads");
        let v: serde_json::Value = serde_json::from_str(&an.lines[0]).expect("JSON");
        assert!(
            v["stopped"].as_str().is_some_and(|s| s.starts_with("after frame")),
            "{v}"
        );
        for json in [false, true] {
            let code = crate::analyze_cmd::run_analyze(crate::analyze_cmd::AnalyzeArgs {
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
