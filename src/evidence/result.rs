//! The result of one case against one DUT: what the reports are made of.

use serde::{Deserialize, Serialize};

pub use crate::verdict::{Failure, Level, Verdict};

/// The result of one case against one DUT, as written to `results/<case-id>.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CaseResult {
    /// The case's `id`.
    pub case_id: String,
    /// `role::interface::case`, the trial's name in the test runner.
    pub trial_name: String,
    /// `role.interface`, JUnit's classname.
    pub classname: String,
    /// The case's title (for a case file that does not load, which file).
    pub title: String,
    /// Catalogue IDs the case judges.
    pub requirements: Vec<String>,
    /// The OMA Enabler Test Specification case this one corresponds to, if any.
    pub ets: Option<String>,
    /// The strictest level among the case's requirements: a failure at MUST level gates.
    pub level: Level,
    /// The reference DUT's fault the case is proven to catch; None when the case did not load.
    pub catches: Option<String>,
    /// The DUT's name (its profile's `name`).
    pub dut: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Whether this result fails the run (MUST-level problems, or any problem with --strict).
    pub gating: bool,
    /// Why the case errored, was skipped or was inconclusive, in words.
    pub message: Option<String>,
    /// The failed step: expected, observed, the requirements and the pcap frames.
    pub failure: Option<Failure>,
    /// The trial's capture file, relative to the working directory when under it.
    pub pcap: Option<String>,
    /// Set when the capture is not on port 5683: the port to decode as CoAP.
    pub coap_port: Option<u16>,
    /// When the trial started, RFC 3339 UTC.
    pub started_at: String,
    /// How long the trial took, in milliseconds.
    pub duration_ms: u64,
    /// One line per datagram and per judgement, as `explain` prints a capture.
    pub transcript: Vec<String>,
    /// The DUT process's stdout/stderr file, when it ran as a process and wrote one.
    pub dut_log: Option<String>,
}

impl CaseResult {
    /// The failure text shown in JUnit and on the console: step, expected, observed, frames.
    pub fn failure_text(&self) -> String {
        let mut s = String::new();
        if let Some(m) = &self.message {
            s.push_str(m);
            s.push('\n');
        }
        if let Some(f) = &self.failure {
            s.push_str(&format!("step {} ({})\n", f.step, f.step_name));
            if !f.requirements.is_empty() {
                s.push_str(&format!("requirement: {}\n", f.requirements.join(", ")));
            }
            s.push_str(&format!("expected: {}\nobserved: {}\n", f.expected, f.observed));
            if !f.frames.is_empty() {
                let frames: Vec<String> = f.frames.iter().map(u32::to_string).collect();
                s.push_str(&format!("pcap frames: {}\n", frames.join(", ")));
            }
        }
        if let Some(p) = &self.pcap {
            match self.coap_port {
                Some(port) => s.push_str(&format!("evidence: tshark -r {p} -d udp.port=={port},coap\n")),
                None => s.push_str(&format!("evidence: tshark -r {p} -Y coap\n")),
            }
        }
        if let Some(l) = &self.dut_log {
            s.push_str(&format!("DUT log: {l}\n"));
        }
        if !self.transcript.is_empty() {
            s.push_str("transcript:\n");
            for line in &self.transcript {
                s.push_str("  ");
                s.push_str(line);
                s.push('\n');
            }
        }
        s
    }
}

/// The one-line tally of a run: how many cases got each verdict, and how many gate.
pub fn counts(results: &[CaseResult]) -> String {
    let n = |v: Verdict| results.iter().filter(|r| r.verdict == v).count();
    let gating = results.iter().filter(|r| r.gating).count();
    format!(
        "{} cases: {} passed, {} failed, {} inconclusive, {} errors, {} skipped, {} expected failures, {} unexpected passes{}; {} gating\n",
        results.len(),
        n(Verdict::Pass),
        n(Verdict::Fail),
        n(Verdict::Inconclusive),
        n(Verdict::Error),
        n(Verdict::Skipped),
        n(Verdict::ExpectedFail),
        n(Verdict::UnexpectedPass),
        match n(Verdict::Interrupted) {
            0 => String::new(),
            i => format!(", {i} interrupted"),
        },
        gating
    )
}
