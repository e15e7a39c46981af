//! `reports/junit.xml` via quick-junit: one testcase per case, properties for traceability.

use std::io;
use std::path::Path;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::{CaseResult, Verdict};

fn status(r: &CaseResult) -> TestCaseStatus {
    let text = r.failure_text();
    let message = r.message.clone().unwrap_or_default();
    match r.verdict {
        Verdict::Pass | Verdict::ExpectedFail => TestCaseStatus::success(),
        Verdict::Skipped => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(message);
            s
        }
        // A non-gating problem (SHOULD-level) must not turn CI red, but must be visible: it is
        // reported as a success with the finding in system-out and the `verdict` property.
        _ if !r.gating => TestCaseStatus::success(),
        // Interrupted: the harness did not finish the case, an error (never a green skip).
        Verdict::Error | Verdict::Interrupted => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_message(message).set_type(r.verdict.name()).set_description(text);
            s
        }
        Verdict::Fail | Verdict::Inconclusive | Verdict::UnexpectedPass => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let kind = match r.verdict {
                Verdict::Fail => "fail",
                Verdict::Inconclusive => "inconclusive",
                _ => "unexpected-pass",
            };
            s.set_message(message).set_type(kind).set_description(text);
            s
        }
    }
}

fn testcase(r: &CaseResult) -> TestCase {
    let mut tc = TestCase::new(r.trial_name.clone(), status(r));
    tc.set_classname(r.classname.clone());
    tc.set_time(Duration::from_millis(r.duration_ms));
    let verdict = serde_json::to_value(r.verdict)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mut props = vec![
        Property::new("case", r.case_id.clone()),
        Property::new("requirements", r.requirements.join(" ")),
        Property::new("level", r.level.word()),
        Property::new("verdict", verdict),
        Property::new("dut", r.dut.clone()),
    ];
    if let Some(ets) = &r.ets {
        props.push(Property::new("ets", ets.clone()));
    }
    if let Some(c) = &r.catches {
        props.push(Property::new("catches", c.clone()));
    }
    if let Some(p) = &r.pcap {
        props.push(Property::new("pcap", p.clone()));
    }
    tc.add_properties(props);
    // Failures and errors carry the text in their element; everything else that is not a plain
    // pass (a skip, a SHOULD-level finding, an expected failure) shows it in system-out.
    let in_element = r.gating && !matches!(r.verdict, Verdict::Pass | Verdict::Skipped | Verdict::ExpectedFail);
    if r.verdict != Verdict::Pass && !in_element {
        tc.set_system_out(r.failure_text());
    }
    tc
}

/// Writes the whole report atomically; results in trial-name order so diffs stay readable.
pub fn write_junit(path: &Path, suite_name: &str, results: &[CaseResult]) -> io::Result<()> {
    let mut sorted: Vec<&CaseResult> = results.iter().collect();
    sorted.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    let mut suite = TestSuite::new(suite_name);
    suite.add_test_cases(sorted.into_iter().map(testcase));
    let mut report = Report::new(suite_name);
    report.add_test_suite(suite);
    let xml = report.to_string().map_err(io::Error::other)?;
    super::atomic::write_atomic(path, xml.as_bytes())
}

#[cfg(test)]
mod tests;
