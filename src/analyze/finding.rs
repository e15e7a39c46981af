//! What a passive check concludes: a verdict per requirement, the frames it rests on, and the
//! tally a check keeps while it reads the exchange.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
/// What a passive check concluded from the capture.
pub enum Verdict {
    /// At least one exchange in the capture violates the requirement.
    Fail,
    /// The requirement was exercised and every exchange bearing on it conforms.
    Pass,
    /// Nothing in the capture bears on the requirement.
    NotObserved,
}

impl Verdict {
    /// The word the `analyze` report shows: PASS, FAIL or NOT OBSERVED.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::NotObserved => "NOT OBSERVED",
        }
    }
}

/// One requirement judged on a capture: the verdict and the frames it rests on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The catalogue ID (testcases/requirements.yaml).
    pub requirement: &'static str,
    /// What is judged, as a statement that holds on a conformant exchange.
    pub check: &'static str,
    /// Pass, fail, or not observed in this capture.
    pub verdict: Verdict,
    /// The frames judged (pass) or the frames of the violations (fail).
    pub frames: Vec<u32>,
    /// One line per violation; for not-observed, why not.
    pub details: Vec<String>,
}

/// What one check saw, before it becomes a finding.
#[derive(Default)]
pub(super) struct Tally {
    judged: Vec<u32>,
    violations: Vec<(Vec<u32>, String)>,
}

impl Tally {
    pub(super) fn judged(&mut self, frame: u32) {
        self.judged.push(frame);
    }

    pub(super) fn violation(&mut self, frames: Vec<u32>, what: String) {
        self.violations.push((frames, what));
    }

    pub(super) fn finding(self, requirement: &'static str, check: &'static str, not_observed: &str) -> Finding {
        let (verdict, mut frames, details) = if !self.violations.is_empty() {
            let frames = self.violations.iter().flat_map(|(f, _)| f.iter().copied()).collect();
            let details = self.violations.into_iter().map(|(_, d)| d).collect();
            (Verdict::Fail, frames, details)
        } else if !self.judged.is_empty() {
            (Verdict::Pass, self.judged, Vec::new())
        } else {
            (Verdict::NotObserved, Vec::new(), vec![not_observed.to_string()])
        };
        frames.sort_unstable();
        frames.dedup();
        Finding {
            requirement,
            check,
            verdict,
            frames,
            details,
        }
    }
}
