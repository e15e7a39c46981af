//! `reports/checklist.md`: the interop checklist a person reads, per run. A header names the DUT,
//! its profile, the date and the harness version; then, per role and interface, one row per case
//! with its verdict, the requirements it cites (ID and sentence), why it did not pass, and links
//! to its pcap and DUT log. `checklist.html` (see `html.rs`) is the same for a browser.

use super::bundle::{Evidence, distinct_duts, evidence_links, reason};
use super::counts;
use super::markdown::{cell, code};
use super::{CaseResult, Verdict};

/// A mark that survives a black-and-white print or a plain-text reader. A known failure is
/// neither a pass nor a new problem: it keeps CI green but is still the DUT failing.
pub fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✓",
        Verdict::ExpectedFail => "⚠",
        Verdict::Skipped => "–",
        _ => "✗",
    }
}

/// The header's rows: (label, value). Shared with the HTML page.
pub fn header(e: &Evidence) -> Vec<(&'static str, String)> {
    let i = e.info;
    // The built-in profile runs each role's cases against that role's reference DUT: name them all.
    let duts = distinct_duts(e.results);
    let dut = if duts.is_empty() || duts == [i.dut.as_str()] {
        i.dut.clone()
    } else {
        duts.join(", ")
    };
    let mut rows = vec![("DUT", dut), ("Profile", i.profile.clone()), ("Role", i.role.clone())];
    if let Some(d) = &i.description {
        rows.push(("Description", d.clone()));
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "(none declared)".to_owned()
        } else {
            v.join(", ")
        }
    };
    rows.push(("Features", list(&i.features)));
    rows.push(("Content formats", list(&i.content_formats)));
    if !i.known_failures.is_empty() {
        rows.push(("Known failures", i.known_failures.join(", ")));
    }
    let date = match e.period() {
        Some((a, b)) if a == b => a.to_owned(),
        Some((a, b)) => format!("{a} to {b}"),
        None => "(no results)".to_owned(),
    };
    rows.push(("Date (UTC)", date));
    rows.push(("Harness", i.harness.clone()));
    rows.push(("Verdicts", counts(e.results).trim_end().to_owned()));
    rows
}

fn row(e: &Evidence, r: &CaseResult) -> String {
    let verdict = format!("{} **{}**", mark(r.verdict), r.verdict.word());
    let mut case = code(&r.case_id);
    if !r.title.is_empty() {
        case.push_str(&format!("<br>{}", cell(&r.title)));
    }
    let cited: Vec<String> = e
        .cited(r)
        .iter()
        .map(|c| match c.level {
            Some(l) => format!("{} ({l}): {}", code(&c.id), cell(c.text)),
            None => format!("{}: {}", code(&c.id), cell(c.text)),
        })
        .collect();
    let links: Vec<String> = evidence_links(r)
        .into_iter()
        .map(|(href, name)| format!("[{}]({href})", cell(&name)))
        .collect();
    let evidence = links.join("<br>");
    format!(
        "| {verdict} | {case} | {} | {} | {} | {evidence} |\n",
        r.ets.as_deref().map(cell).unwrap_or_default(),
        cited.join("<br>"),
        reason(r).as_deref().map(cell).unwrap_or_default(),
    )
}

/// The interop checklist in Markdown: the run's DUT, then one row per case grouped by role and
/// interface (verdict, ETS, requirements, reason, evidence), the cases not run, and the
/// conformant variants.
pub fn checklist_md(e: &Evidence) -> String {
    let mut out = format!("# Interop checklist: {}\n\n| | |\n|---|---|\n", cell(&e.info.dut));
    for (label, value) in header(e) {
        out.push_str(&format!("| {label} | {} |\n", cell(&value)));
    }
    for g in e.groups() {
        let duts: Vec<String> = g.duts.iter().map(|d| code(d)).collect();
        out.push_str(&format!(
            "\n## {} (DUT {})\n\n| Verdict | Case | ETS | Requirements | Reason | Evidence |\n|---|---|---|---|---|---|\n",
            cell(&g.heading),
            duts.join(", ")
        ));
        for r in &g.results {
            out.push_str(&row(e, r));
        }
    }
    let not_run = e.not_run();
    if !not_run.is_empty() {
        out.push_str("\n## Not run\n\nCases of the suite with no result in this run (filtered out, or a shard's results are missing):\n\n");
        for c in not_run {
            out.push_str(&format!("- {}\n", code(&c.trial_name)));
        }
    }
    out.push_str("\nRequirement coverage: `traceability.md` (and the matrix in `checklist.html`).\n");
    if !e.variants.is_empty() {
        out.push_str(&format!(
            "\n## Proven on conformant variants\n\nThe suite's self-test runs every case against the reference DUT of its role taking each of these {} freedoms of the specification; every case passes (or is skipped for a stated reason), so no verdict above rests on one implementation's choices.\n\n| Role | Variant | What the DUT does | Allowed by |\n|---|---|---|---|\n",
            e.variants.len()
        ));
        for v in e.variants {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&v.role),
                code(&v.id),
                cell(&v.description),
                cell(&v.allowed_by)
            ));
        }
    }
    out
}
