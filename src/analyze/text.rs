//! The analysis as text: one block per check, verdict first, the catalogue's level next to the ID.

use super::{Finding, Verdict};
use crate::case::Catalogue;
use crate::evidence::Level;

/// Frames listed per finding before the list is cut short.
const MAX_FRAMES: usize = 12;

fn level(catalogue: &Catalogue, id: &str) -> Level {
    catalogue.get(id).map(|r| r.level).unwrap_or(Level::Must)
}

/// Whether a finding fails the run: a MUST-level failure, or any failure when `strict`.
pub fn gates(f: &Finding, catalogue: &Catalogue, strict: bool) -> bool {
    f.verdict == Verdict::Fail && (strict || level(catalogue, f.requirement) == Level::Must)
}

fn frames(list: &[u32]) -> String {
    let shown: Vec<String> = list.iter().take(MAX_FRAMES).map(|f| format!("#{f}")).collect();
    let more = if list.len() > MAX_FRAMES {
        format!(" … ({} in all)", list.len())
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(" "))
}

/// The `analyze` report: one line per finding (verdict, requirement, its level from the
/// catalogue, the check), then the frames judged or the violations, and a closing count. A
/// failure below MUST level gates only with `strict`; otherwise it is marked a warning.
pub fn render(findings: &[Finding], catalogue: &Catalogue, strict: bool) -> Vec<String> {
    let mut lines = Vec::new();
    for f in findings {
        let lvl = level(catalogue, f.requirement).word();
        let known = if catalogue.get(f.requirement).is_some() {
            ""
        } else {
            " (not in the catalogue)"
        };
        lines.push(format!(
            "{:<13} {} ({lvl}){known}: {}",
            f.verdict.word(),
            f.requirement,
            f.check
        ));
        match f.verdict {
            Verdict::Pass => lines.push(format!("{:<13} judged: {}", "", frames(&f.frames))),
            Verdict::Fail => {
                for d in &f.details {
                    lines.push(format!("{:<13} {d}", ""));
                }
                if !gates(f, catalogue, strict) {
                    lines.push(format!(
                        "{:<13} ({lvl}-level: a warning, not gating without --strict)",
                        ""
                    ));
                }
            }
            Verdict::NotObserved => {
                for d in &f.details {
                    lines.push(format!("{:<13} {d}", ""));
                }
            }
        }
    }
    let count = |v: Verdict| findings.iter().filter(|f| f.verdict == v).count();
    let gating = findings.iter().filter(|f| gates(f, catalogue, strict)).count();
    lines.push(format!(
        "{} pass, {} fail ({gating} gating), {} not observed",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::NotObserved)
    ));
    lines
}
