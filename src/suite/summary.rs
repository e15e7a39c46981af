//! The console summary table printed at the end of `lwm2m-conformance run`.

use crate::evidence::{CaseResult, Verdict, counts};

/// A fixed-width table, one row per result, sorted by trial name, then the counts.
pub fn table(results: &[CaseResult]) -> String {
    let mut rows: Vec<&CaseResult> = results.iter().collect();
    rows.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    let w = rows.iter().map(|r| r.trial_name.len()).max().unwrap_or(4).max(4);
    let mut out = format!(
        "{:<w$}  {:<12}  {:<6}  {:>7}  {}\n",
        "case", "verdict", "level", "time", "requirements / reason"
    );
    for r in &rows {
        let level = format!("{:?}", r.level).to_uppercase();
        let mut line = format!(
            "{:<w$}  {:<12}  {:<6}  {:>6.1}s  {}",
            r.trial_name,
            r.verdict.word(),
            level,
            r.duration_ms as f64 / 1000.0,
            r.requirements.join(", ")
        );
        if r.verdict != Verdict::Pass
            && let Some(m) = &r.message
        {
            line.push_str(&format!("\n{:w$}  -> {}", "", m.lines().next().unwrap_or("")));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&counts(results));
    out
}
