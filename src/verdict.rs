//! The vocabulary of judgement that every layer shares: a requirement's level, a case's verdict
//! and where a failure is. It sits below `case`, `engine` and `evidence`, so none of them has
//! to import another for it.

use serde::{Deserialize, Serialize};

/// Requirement level (RFC 2119 keyword family). `Must < Should < May`, so the strictest of a
/// case's requirements is the minimum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// MUST / SHALL / REQUIRED: a deviation fails the DUT.
    Must,
    /// SHOULD / RECOMMENDED: a deviation is reported; it fails the run only with `--strict`.
    Should,
    /// MAY / OPTIONAL: the behaviour is allowed, not required; judged like SHOULD.
    May,
}

impl Level {
    /// The RFC 2119 keyword in capitals, as the checklist and matrix print it.
    pub fn word(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Should => "SHOULD",
            Level::May => "MAY",
        }
    }
}

/// The outcome of one case against one DUT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Every step judged the DUT's behaviour conformant.
    Pass,
    /// The DUT did something the requirement forbids.
    Fail,
    /// The case could not reach the step that judges the requirement (a set-up step failed).
    Inconclusive,
    /// The case does not apply to this DUT (its `needs` are not declared).
    Skipped,
    /// The harness could not run the case (bad case file, DUT would not start, I/O error).
    Error,
    /// Failed, and the DUT profile lists it as a known failure.
    ExpectedFail,
    /// Passed, although the DUT profile lists it as a known failure.
    UnexpectedPass,
    /// The run was interrupted (SIGINT/SIGTERM) while the case ran: its DUT was stopped, its
    /// evidence is what was captured until then. Not a verdict on the DUT; it gates, since the
    /// run did not finish.
    Interrupted,
}

impl Verdict {
    /// The name used in result files and JUnit properties (`expected-fail`), and as the
    /// checklist's CSS class.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
            Verdict::Skipped => "skipped",
            Verdict::Error => "error",
            Verdict::ExpectedFail => "expected-fail",
            Verdict::UnexpectedPass => "unexpected-pass",
            Verdict::Interrupted => "interrupted",
        }
    }

    /// The word the console table, the checklist and the matrix show.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
            Verdict::Skipped => "SKIPPED",
            Verdict::Error => "ERROR",
            Verdict::ExpectedFail => "XFAIL",
            Verdict::UnexpectedPass => "XPASS",
            Verdict::Interrupted => "INTERRUPTED",
        }
    }

    /// Whether this verdict is something a person must look at.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            Verdict::Fail | Verdict::Inconclusive | Verdict::Error | Verdict::UnexpectedPass | Verdict::Interrupted
        )
    }
}

/// Where and why a case failed, in terms a person can check in the pcap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// 1-based step number in the case file.
    pub step: usize,
    /// The step's `name` in the case file.
    pub step_name: String,
    /// The catalogue IDs the failing step judges (its `requirement`, else the case's), as a
    /// list. Result files written before it was a list hold one comma-separated string under
    /// `requirement`; they still load.
    #[serde(default, alias = "requirement", deserialize_with = "ids")]
    pub requirements: Vec<String>,
    /// What the specification requires at this step, in words (e.g. "2.01 Created with a Location-Path").
    pub expected: String,
    /// What the DUT did instead, or that nothing arrived within the step's window.
    pub observed: String,
    /// pcap frame numbers (as Wireshark numbers them) of the messages the judgement rests on.
    pub frames: Vec<u32>,
}

/// Requirement IDs as a list, or as the comma-separated string (or null) of older result files.
fn ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Ids {
        List(Vec<String>),
        Text(String),
        Missing(()),
    }
    Ok(match Ids::deserialize(d)? {
        Ids::List(v) => v,
        Ids::Text(t) => t
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        Ids::Missing(()) => Vec::new(),
    })
}
