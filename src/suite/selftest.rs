//! The harness's proof of power, as data: each case against the built-in reference DUT of its
//! role that is conformant, that has the case's fault (`catches`), and that takes each
//! conformant variant; which profile each of those trials runs against, and what its result
//! must be. `tests/selftest.rs` runs the whole matrix in memory (`crate::sim`);
//! `tests/conformance.rs` runs a few of the same trials through processes and UDP. Both judge
//! here, so the two paths cannot drift apart in what they accept.

use crate::case::Case;
use crate::evidence::{CaseResult, Verdict};
use crate::profile::Profile;

/// What a self-test trial runs a case against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Against {
    /// The conformant reference DUT of the case's role: it must pass (or be skipped, with the
    /// reason its profile gives).
    Conformant,
    /// The reference DUT with the case's `catches` fault: it must fail, citing one of the
    /// case's requirements. A case that cannot fail proves nothing.
    Fault,
    /// The reference DUT taking one conformant variant (`--variant`), with the profile that
    /// variant declares: it must pass or be skipped; a case that fails it is over-strict.
    Variant(&'static str),
}

impl Against {
    /// Every trial of the matrix for `case`: conformant, fault, and each variant of its role.
    pub fn matrix(case: &Case) -> Vec<Against> {
        let variants = crate::reference::variants()
            .into_iter()
            .filter(|v| v.role == case.dut)
            .map(|v| Against::Variant(v.id));
        [Against::Conformant, Against::Fault]
            .into_iter()
            .chain(variants)
            .collect()
    }

    /// The trial's name prefix: `conformant`, `fault`, `variant::<id>`.
    pub fn name(self) -> String {
        match self {
            Against::Conformant => "conformant".into(),
            Against::Fault => "fault".into(),
            Against::Variant(v) => format!("variant::{v}"),
        }
    }

    /// The folder (under the self-test's output) its evidence goes to.
    pub fn folder(self) -> String {
        match self {
            Against::Conformant => "conformant".into(),
            Against::Fault => "fault".into(),
            Against::Variant(v) => format!("variant-{v}"),
        }
    }

    /// The built-in reference profile this trial runs `case` against: plain, with the case's
    /// fault, or the variant's.
    pub fn profile(self, case: &Case) -> Result<Profile, crate::yaml::LoadError> {
        match self {
            Against::Conformant => crate::profile::reference(case.dut, &[]),
            Against::Fault => crate::profile::reference(case.dut, std::slice::from_ref(&case.catches)),
            Against::Variant(v) => crate::profile::reference_variant(case.dut, v),
        }
    }

    /// Fault trials run strict, so a SHOULD-level case's caught fault is a gating failure too.
    pub fn strict(self) -> bool {
        self == Against::Fault
    }

    /// Whether `r`, the result of `case` against this DUT, is the one the self-test requires;
    /// Err says what was wrong, with the result's own text.
    pub fn judge(self, case: &Case, r: &CaseResult) -> Result<(), String> {
        match (self, r.verdict) {
            (Against::Conformant | Against::Variant(_), Verdict::Pass) => Ok(()),
            // Not applicable to this profile: fine, for a reason the result states.
            (Against::Conformant | Against::Variant(_), Verdict::Skipped) if r.message.is_some() => Ok(()),
            (Against::Conformant, other) => Err(format!(
                "verdict {other:?} against the conformant reference DUT (it must pass or be skipped)\n{}",
                r.failure_text()
            )),
            (Against::Variant(v), other) => Err(format!(
                "verdict {other:?} against the conformant variant `{v}` (it must pass or be skipped): \
                 the case is stricter than the specification\n{}",
                r.failure_text()
            )),
            (Against::Fault, Verdict::Fail) => {
                let message = r.message.as_deref().unwrap_or("");
                if case.requirements.iter().any(|id| message.contains(id.as_str())) {
                    Ok(())
                } else {
                    Err(format!(
                        "failed, but the message cites none of {:?}:\n{}",
                        case.requirements,
                        r.failure_text()
                    ))
                }
            }
            (Against::Fault, other) => Err(format!(
                "the case did not catch its fault `{}`: verdict {other:?} (it must be fail)\n{}",
                case.catches,
                r.failure_text()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::{Outputs, load, run_entry_in_memory};

    #[test]
    fn the_judge_takes_only_the_verdict_each_dut_must_give() {
        let suite = load(&crate::suite::default_root(None)).expect("the suite loads");
        let entry = suite
            .entries
            .iter()
            .find(|e| e.trial_name == "client::registration::register_uri")
            .expect("the case");
        let case = entry.case.as_ref().expect("it loads");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let out = Outputs::under(dir.path());
        let run = |against: Against| {
            let profile = against.profile(case).expect("the built-in profile loads");
            run_entry_in_memory(&suite, entry, &profile, &out, against.strict())
        };
        let (pass, fail) = (run(Against::Conformant), run(Against::Fault));
        assert_eq!((pass.verdict, fail.verdict), (Verdict::Pass, Verdict::Fail));
        assert_eq!(Against::Conformant.judge(case, &pass), Ok(()));
        assert_eq!(Against::Fault.judge(case, &fail), Ok(()));
        let wrong = |r: Result<(), String>, why: &str| assert!(r.as_ref().is_err_and(|e| e.contains(why)), "{r:?}");
        wrong(Against::Fault.judge(case, &pass), "did not catch its fault");
        wrong(Against::Conformant.judge(case, &fail), "conformant reference");
        wrong(
            Against::Variant("no-tlv").judge(case, &fail),
            "stricter than the specification",
        );
        // A failure that cites none of the case's requirements did not catch the case's fault.
        let mut elsewhere = fail.clone();
        elsewhere.message = Some("step 1: something else went wrong".into());
        wrong(Against::Fault.judge(case, &elsewhere), "cites none");
    }

    #[test]
    fn the_matrix_of_a_case_is_conformant_fault_and_every_variant_of_its_role() {
        let suite = load(&crate::suite::default_root(None)).expect("the suite loads");
        for case in suite.entries.iter().filter_map(|e| e.case.as_ref().ok()) {
            let variants = crate::reference::variants()
                .iter()
                .filter(|v| v.role == case.dut)
                .count();
            let matrix = Against::matrix(case);
            assert_eq!(matrix.len(), 2 + variants, "{}", case.id);
            assert_eq!(&matrix[..2], &[Against::Conformant, Against::Fault]);
        }
    }
}
