//! What the person-readable reports (checklist, traceability matrix) are made of: the run's
//! results, the suite's cases (so what did not run can be named), the catalogue (for the cited
//! sentences) and the run's DUT. One input for every writer, whether the results come from this
//! process or from merged CI shards, so both give the same reports.

use std::collections::BTreeMap;

use super::{CaseResult, RunInfo, Verdict};
use crate::case::Catalogue;

/// A case of the suite, whether or not this run has its result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseRef {
    /// The case's `id`, e.g. `client-reg-register-params`.
    pub case_id: String,
    /// The trial's name, `role::interface::case`: the sort key of every report.
    pub trial_name: String,
    /// Catalogue IDs the case judges.
    pub requirements: Vec<String>,
}

impl CaseRef {
    /// The case a result is of (for results whose case the suite no longer holds).
    pub fn of(r: &CaseResult) -> CaseRef {
        CaseRef {
            case_id: r.case_id.clone(),
            trial_name: r.trial_name.clone(),
            requirements: r.requirements.clone(),
        }
    }
}

/// Everything the checklist and the traceability matrix are written from.
pub struct Evidence<'a> {
    /// What the run was against: the DUT and its profile.
    pub info: &'a RunInfo,
    /// The requirement catalogue, for each cited requirement's sentence and level.
    pub catalogue: &'a Catalogue,
    /// Every case of the suite, so the reports can name cases this run has no result for.
    pub cases: &'a [CaseRef],
    /// The run's results, one per case run.
    pub results: &'a [CaseResult],
    /// The conformant variants the suite's own self-test passes every case on (what makes a
    /// verdict trustworthy on another implementation), listed at the end of the checklist.
    pub variants: &'a [VariantRef],
}

/// One conformant variant of a built-in reference DUT, as the checklist lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantRef {
    /// The DUT role: `client`, `server`, `bootstrap-server`.
    pub role: String,
    /// The `--variant` name, e.g. `no-tlv`.
    pub id: String,
    /// What the DUT does differently from the plain reference DUT.
    pub description: String,
    /// The specification text that makes it conformant.
    pub allowed_by: String,
}

/// The results of one role's interface (`client.registration`), in trial-name order.
pub struct Group<'a> {
    /// `role.interface`, as in JUnit's classname.
    pub classname: &'a str,
    /// `client / registration`.
    pub heading: String,
    /// The DUTs these results ran against (one per role unless merged from different runs).
    pub duts: Vec<&'a str>,
    /// The group's results, in trial-name order.
    pub results: Vec<&'a CaseResult>,
}

impl<'a> Evidence<'a> {
    /// Results grouped by role and interface; groups and rows in a fixed order.
    pub fn groups(&self) -> Vec<Group<'a>> {
        let mut by_class: BTreeMap<&'a str, Vec<&'a CaseResult>> = BTreeMap::new();
        for r in self.results {
            by_class.entry(r.classname.as_str()).or_default().push(r);
        }
        by_class
            .into_iter()
            .map(|(classname, mut results)| {
                results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name).then(a.case_id.cmp(&b.case_id)));
                let duts = distinct_duts(results.iter().copied());
                let heading = if classname.is_empty() {
                    "(no interface)".to_owned()
                } else {
                    classname.replace('.', " / ")
                };
                Group {
                    classname,
                    heading,
                    duts,
                    results,
                }
            })
            .collect()
    }

    /// This run's result of case `case_id`; None when the case did not run.
    pub fn result_of(&self, case_id: &str) -> Option<&'a CaseResult> {
        self.results.iter().find(|r| r.case_id == case_id)
    }

    /// Cases of the suite this run has no result for, in trial-name order.
    pub fn not_run(&self) -> Vec<&'a CaseRef> {
        let mut v: Vec<&CaseRef> = self
            .cases
            .iter()
            .filter(|c| self.result_of(&c.case_id).is_none())
            .collect();
        v.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
        v
    }

    /// Every case a requirement can be judged by: the suite's, and any result's the suite no
    /// longer holds.
    pub fn all_cases(&self) -> Vec<CaseRef> {
        let mut all = self.cases.to_vec();
        for r in self.results {
            if !all.iter().any(|c| c.case_id == r.case_id) {
                all.push(CaseRef::of(r));
            }
        }
        all.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
        all
    }

    /// The first and last start time of the results (RFC 3339 strings sort as times).
    pub fn period(&self) -> Option<(&'a str, &'a str)> {
        let first = self.results.iter().map(|r| r.started_at.as_str()).min()?;
        let last = self.results.iter().map(|r| r.started_at.as_str()).max()?;
        Some((first, last))
    }

    /// `ID (LEVEL): sentence` for each requirement a result cites.
    pub fn cited(&self, r: &CaseResult) -> Vec<Cited<'a>> {
        r.requirements
            .iter()
            .map(|id| match self.catalogue.get(id) {
                Some(req) => Cited {
                    id: req.id.clone(),
                    level: Some(req.level.word()),
                    text: req.text.trim(),
                },
                None => Cited {
                    id: id.clone(),
                    level: None,
                    text: "(not in the catalogue)",
                },
            })
            .collect()
    }
}

pub struct Cited<'a> {
    pub id: String,
    pub level: Option<&'static str>,
    pub text: &'a str,
}

/// The DUTs some results ran against, sorted, each once.
pub fn distinct_duts<'r>(results: impl IntoIterator<Item = &'r CaseResult>) -> Vec<&'r str> {
    let mut duts: Vec<&str> = results.into_iter().map(|r| r.dut.as_str()).collect();
    duts.sort_unstable();
    duts.dedup();
    duts
}

/// Why a case did not pass, on one line: the engine's message (it names the step, the
/// requirement, expected and observed), then the pcap frames the judgement rests on. `None` for
/// a pass. The text can hold bytes the DUT sent: every writer escapes it for its format.
pub fn reason(r: &CaseResult) -> Option<String> {
    if r.verdict == Verdict::Pass {
        return None;
    }
    let mut s = r
        .message
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if let Some(f) = r.failure.as_ref().filter(|f| !f.frames.is_empty()) {
        let frames: Vec<String> = f.frames.iter().map(u32::to_string).collect();
        s.push_str(&format!(" (pcap frames {})", frames.join(", ")));
    }
    Some(s)
}

/// Links from `reports/` to the case's capture and, when there is one, the DUT's log: relative,
/// so the folder can be archived with `captures/` beside it. Only the file name of a recorded
/// path is used: a link never leaves `../captures/`.
pub fn evidence_links(r: &CaseResult) -> Vec<(String, String)> {
    [r.pcap.as_deref(), r.dut_log.as_deref()]
        .into_iter()
        .flatten()
        .filter_map(|p| std::path::Path::new(p).file_name())
        .map(|n| {
            let name = n.to_string_lossy().into_owned();
            (format!("../captures/{name}"), name)
        })
        .collect()
}
