//! `reports/traceability.md`: every catalogue entry once, with its level, role, the cases that
//! judge it and their verdicts in this run. Testable MUSTs without a case (with their `gap:`),
//! other testable entries without a case, and entries that cannot be tested (with their reason)
//! are listed apart, so "covered" is never claimed for them.

use super::bundle::Evidence;
use super::markdown::{cell, code};
use super::{Level, Verdict};
use crate::case::Requirement;

/// A case judging a requirement, and its verdict here (`None`: the case did not run).
pub struct Judged {
    pub case_id: String,
    pub verdict: Option<Verdict>,
}

pub struct Row<'a> {
    pub req: &'a Requirement,
    pub cases: Vec<Judged>,
}

/// Entries of one role's interface, catalogue order kept within it.
pub struct Section<'a> {
    pub heading: String,
    pub rows: Vec<Row<'a>>,
}

pub struct Matrix<'a> {
    pub total: usize,
    pub judged: Vec<Section<'a>>,
    pub must_without_case: Vec<&'a Requirement>,
    pub other_without_case: Vec<&'a Requirement>,
    pub not_testable: Vec<&'a Requirement>,
}

impl Judged {
    pub fn word(&self) -> &'static str {
        self.verdict.map(Verdict::word).unwrap_or("not run")
    }
}

impl<'a> Matrix<'a> {
    pub fn of(e: &Evidence<'a>) -> Matrix<'a> {
        let cases = e.all_cases();
        let mut reqs: Vec<&'a Requirement> = e.catalogue.requirements.iter().collect();
        // Stable: catalogue order within a role's interface.
        reqs.sort_by(|a, b| (a.role.as_str(), &a.interface).cmp(&(b.role.as_str(), &b.interface)));
        let mut m = Matrix {
            total: reqs.len(),
            judged: Vec::new(),
            must_without_case: Vec::new(),
            other_without_case: Vec::new(),
            not_testable: Vec::new(),
        };
        for req in reqs {
            let judged: Vec<Judged> = cases
                .iter()
                .filter(|c| c.requirements.contains(&req.id))
                .map(|c| Judged {
                    case_id: c.case_id.clone(),
                    verdict: e.result_of(&c.case_id).map(|r| r.verdict),
                })
                .collect();
            if !req.testable {
                m.not_testable.push(req);
            } else if judged.is_empty() && req.level == Level::Must {
                m.must_without_case.push(req);
            } else if judged.is_empty() {
                m.other_without_case.push(req);
            } else {
                let heading = format!("{} / {}", req.role.as_str(), req.interface);
                match m.judged.last_mut() {
                    Some(s) if s.heading == heading => s.rows.push(Row { req, cases: judged }),
                    _ => m.judged.push(Section {
                        heading,
                        rows: vec![Row { req, cases: judged }],
                    }),
                }
            }
        }
        m
    }

    pub fn judged_count(&self) -> usize {
        self.judged.iter().map(|s| s.rows.len()).sum()
    }

    pub fn summary(&self) -> String {
        format!(
            "{} catalogue entries: {} judged by cases, {} testable MUST-level without a case, {} other testable without a case, {} not testable.",
            self.total,
            self.judged_count(),
            self.must_without_case.len(),
            self.other_without_case.len(),
            self.not_testable.len()
        )
    }
}

fn requirement_table(out: &mut String, reqs: &[&Requirement], last: &str, note: impl Fn(&Requirement) -> String) {
    out.push_str(&format!(
        "| Requirement | Level | Role | Interface | {last} |\n|---|---|---|---|---|\n"
    ));
    if reqs.is_empty() {
        out.push_str("| (none) | | | | |\n");
    }
    for r in reqs {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            code(&r.id),
            r.level.word(),
            r.role.as_str(),
            cell(&r.interface),
            cell(&note(r))
        ));
    }
}

/// The traceability matrix in Markdown: each catalogued requirement, its level, the cases that
/// judge it with their verdicts in this run, or the reasoned gap when no case can.
pub fn matrix_md(e: &Evidence) -> String {
    let m = Matrix::of(e);
    let mut out = format!("# Traceability matrix: {}\n\n{}\n\n", cell(&e.info.dut), m.summary());
    out.push_str("## Requirements judged by cases\n\n");
    for s in &m.judged {
        out.push_str(&format!(
            "### {}\n\n| Requirement | Level | Role | Cases (verdict in this run) |\n|---|---|---|---|\n",
            cell(&s.heading)
        ));
        for row in &s.rows {
            let cases: Vec<String> = row
                .cases
                .iter()
                .map(|j| format!("{} {}", code(&j.case_id), j.word()))
                .collect();
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                code(&row.req.id),
                row.req.level.word(),
                row.req.role.as_str(),
                cases.join(", ")
            ));
        }
        out.push('\n');
    }
    let gap = |r: &Requirement| r.gap.clone().unwrap_or_else(|| "(no gap given)".into());
    out.push_str("## Testable MUST-level requirements without a case\n\n");
    requirement_table(&mut out, &m.must_without_case, "Why not yet (`gap:`)", gap);
    out.push_str("\n## Other testable requirements without a case\n\n");
    requirement_table(&mut out, &m.other_without_case, "Note (`gap:`)", |r| {
        r.gap.clone().unwrap_or_default()
    });
    out.push_str("\n## Not testable\n\n");
    requirement_table(&mut out, &m.not_testable, "Reason", |r| {
        r.reason.clone().unwrap_or_default()
    });
    out
}
