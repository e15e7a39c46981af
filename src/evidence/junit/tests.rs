use super::*;
use crate::evidence::{Failure, Level};

fn result(name: &str, verdict: Verdict, gating: bool) -> CaseResult {
    CaseResult {
        case_id: name.to_owned(),
        trial_name: format!("client::registration::{name}"),
        classname: "client.registration".to_owned(),
        title: "a title".to_owned(),
        requirements: vec!["REG-CLIENT-X".to_owned()],
        ets: Some("LightweightM2M-1.0-int-101".to_owned()),
        level: if gating { Level::Must } else { Level::Should },
        catches: Some("register-wrong-path".to_owned()),
        dut: "reference-client".to_owned(),
        verdict,
        gating,
        message: (verdict != Verdict::Pass).then(|| "step 1 failed".to_owned()),
        failure: (verdict == Verdict::Fail).then(|| Failure {
            step: 1,
            step_name: "Register".to_owned(),
            requirements: vec!["REG-CLIENT-X".to_owned()],
            expected: "POST /rd".to_owned(),
            observed: "POST /register".to_owned(),
            frames: vec![1, 2],
        }),
        pcap: Some(format!("captures/{name}.pcap")),
        coap_port: None,
        started_at: "2026-11-24T00:00:00Z".to_owned(),
        duration_ms: 1500,
        transcript: vec!["#1  0.000s  dut -> harness  CON POST /register".to_owned()],
        dut_log: None,
    }
}

#[test]
fn junit_report_shape() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junit.xml");
    let results = vec![
        result("b_fails", Verdict::Fail, true),
        result("a_passes", Verdict::Pass, false),
        result("c_skipped", Verdict::Skipped, false),
        result("d_should_warns", Verdict::Fail, false),
    ];
    write_junit(&path, "lwm2m-conformance", &results).unwrap();
    let xml = std::fs::read_to_string(&path).unwrap();
    // Timestamps are not part of the report, so the whole document is stable.
    insta::assert_snapshot!(xml);
}
