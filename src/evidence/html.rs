//! `reports/checklist.html`: the checklist and the traceability matrix as one self-contained
//! page (inline CSS, no script, no external asset; the only links are relative ones to
//! `../captures/*.pcap`), so it opens from disk or from a CI artifact. Built with maud, which
//! escapes every interpolated string: failure text quotes DUT bytes and must stay text.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::bundle::{Evidence, Group, evidence_links, reason};
use super::checklist::{header, mark};
use super::traceability::Matrix;
use super::{CaseResult, Verdict};
use crate::case::Requirement;

/// Problems are marked three ways: row background, a coloured badge, and the ✗ mark, so a
/// failing case stands out on screen, in print and to a colour-blind reader.
const CSS: &str = "
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #1a1a1a; background: #ffffff; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; font-size: 1.25em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #c8c8c8; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eeeeee; }
table.header { width: auto; } table.header th { width: 10em; }
code, pre { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.95em; }
pre { white-space: pre-wrap; word-break: break-all; font-size: 0.85em; margin: 0.3em 0; }
.badge { display: inline-block; min-width: 7.5em; font-weight: bold; padding: 2px 6px; border-radius: 3px; color: #ffffff; white-space: nowrap; }
tr.pass td { background: #e3f4e6; }
tr.expected-fail td { background: #fff1d6; }
tr.fail td, tr.inconclusive td, tr.error td, tr.unexpected-pass td, tr.interrupted td { background: #fbdada; }
tr.skipped td, tr.not-run td { background: #f2f2f2; color: #555555; }
.badge.pass { background: #1e7b34; }
.badge.expected-fail { background: #8a5a00; }
.badge.fail, .badge.inconclusive, .badge.error, .badge.unexpected-pass, .badge.interrupted { background: #b3161b; }
.badge.skipped, .badge.not-run { background: #6b6b6b; }
#problems ul { list-style: none; padding-left: 0; } #problems li { margin: 3px 0; }
";

fn badge(class: &str, mark: &str, word: &str) -> Markup {
    html! { span class={ "badge " (class) } { (mark) " " (word) } }
}

fn case_row(e: &Evidence, r: &CaseResult) -> Markup {
    let class = r.verdict.name();
    html! {
        tr class={ "case " (class) } id={ "case-" (r.case_id) } {
            td { (badge(class, mark(r.verdict), r.verdict.word())) }
            td { code { (r.case_id) } @if !r.title.is_empty() { br; (r.title) } }
            td { @if let Some(ets) = &r.ets { (ets) } }
            td {
                @for c in e.cited(r) {
                    div { code { (c.id) } @if let Some(l) = c.level { " (" (l) ")" } ": " (c.text) }
                }
            }
            td {
                @if let Some(why) = reason(r) {
                    (why)
                    @if r.failure.is_some() || !r.transcript.is_empty() {
                        details { summary { "failure text and transcript" } pre { (r.failure_text()) } }
                    }
                }
            }
            td { @for (href, name) in evidence_links(r) { div { a href=(href) { (name) } } } }
        }
    }
}

fn group(e: &Evidence, g: &Group) -> Markup {
    html! {
        section class="interface" id={ "interface-" (g.classname) } {
            h2 { (g.heading) " " small { "(DUT " (g.duts.join(", ")) ")" } }
            table {
                thead { tr { th { "Verdict" } th { "Case" } th { "ETS" } th { "Requirements" } th { "Reason" } th { "Evidence" } } }
                tbody { @for r in &g.results { (case_row(e, r)) } }
            }
        }
    }
}

fn requirement_list(title: &str, reqs: &[&Requirement], note: impl Fn(&Requirement) -> String) -> Markup {
    html! {
        h3 { (title) }
        table {
            thead { tr { th { "Requirement" } th { "Level" } th { "Role" } th { "Interface" } th { "Note" } } }
            tbody {
                @if reqs.is_empty() { tr { td colspan="5" { "(none)" } } }
                @for r in reqs {
                    tr { td { code { (r.id) } } td { (r.level.word()) } td { (r.role.as_str()) } td { (r.interface) } td { (note(r)) } }
                }
            }
        }
    }
}

fn matrix(m: &Matrix) -> Markup {
    html! {
        section id="traceability" {
            h2 { "Traceability matrix" }
            p { (m.summary()) }
            @for s in &m.judged {
                h3 { (s.heading) }
                table {
                    thead { tr { th { "Requirement" } th { "Level" } th { "Role" } th { "Cases (verdict in this run)" } } }
                    tbody {
                        @for row in &s.rows {
                            tr {
                                td { code { (row.req.id) } }
                                td { (row.req.level.word()) }
                                td { (row.req.role.as_str()) }
                                td {
                                    @for j in &row.cases {
                                        @let class = j.verdict.map(Verdict::name).unwrap_or("not-run");
                                        @let sign = j.verdict.map(mark).unwrap_or("–");
                                        div { a href={ "#case-" (j.case_id) } { code { (j.case_id) } } " " (badge(class, sign, j.word())) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            (requirement_list("Testable MUST-level requirements without a case", &m.must_without_case, |r| r.gap.clone().unwrap_or_else(|| "(no gap given)".into())))
            (requirement_list("Other testable requirements without a case", &m.other_without_case, |r| r.gap.clone().unwrap_or_default()))
            (requirement_list("Not testable", &m.not_testable, |r| r.reason.clone().unwrap_or_default()))
        }
    }
}

/// The interop checklist as one self-contained HTML page (no external assets), the same
/// content as [`checklist_md`](super::checklist_md) plus the traceability matrix.
pub fn checklist_html(e: &Evidence) -> String {
    let not_run = e.not_run();
    // Every problem first, linked to its row: at an interop event that is what is read first.
    let problems: Vec<&CaseResult> = e
        .groups()
        .into_iter()
        .flat_map(|g| g.results)
        .filter(|r| r.verdict.is_problem())
        .collect();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Interop checklist: " (e.info.dut) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "Interop checklist: " (e.info.dut) }
                table class="header" { tbody { @for (label, value) in header(e) { tr { th { (label) } td { (value) } } } } }
                @if !problems.is_empty() {
                    nav id="problems" {
                        h2 { "Needs attention" }
                        ul {
                            @for r in &problems {
                                li { (badge(r.verdict.name(), mark(r.verdict), r.verdict.word())) " " a href={ "#case-" (r.case_id) } { code { (r.case_id) } } " " (r.title) }
                            }
                        }
                    }
                }
                @for g in e.groups() { (group(e, &g)) }
                @if !not_run.is_empty() {
                    section id="not-run" {
                        h2 { "Not run" }
                        p { "Cases of the suite with no result in this run (filtered out, or a shard's results are missing):" }
                        ul { @for c in &not_run { li { code { (c.trial_name) } } } }
                    }
                }
                (matrix(&Matrix::of(e)))
                @if !e.variants.is_empty() {
                    section id="variants" {
                        h2 { "Proven on conformant variants" }
                        p { "The suite's self-test runs every case against the reference DUT of its role taking each of these freedoms of the specification; every case passes (or is skipped for a stated reason)." }
                        table {
                            thead { tr { th { "Role" } th { "Variant" } th { "What the DUT does" } th { "Allowed by" } } }
                            tbody {
                                @for v in e.variants {
                                    tr { td { (v.role) } td { code { (v.id) } } td { (v.description) } td { (v.allowed_by) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    .into_string()
}
