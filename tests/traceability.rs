//! The traceability gate: every testable MUST-level requirement of the catalogue is judged by at
//! least one case, or is listed in `testcases/coverage-gaps.yaml` with the reason it is not yet.
//! The gap list is the honest, visible form of "not done": a requirement leaves it when a case
//! cites it (a stale entry fails this test too), and the checklist shows every gap.

use std::collections::BTreeSet;
use std::path::PathBuf;

use lwm2m_conformance::case::Role;
use lwm2m_conformance::evidence::Level;
use lwm2m_conformance::suite;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Gaps {
    gaps: Vec<Gap>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Gap {
    requirement: String,
    reason: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testcases")
}

#[test]
fn every_testable_must_has_a_case_or_a_declared_gap() {
    let suite = suite::load(&root()).expect("the catalogue loads");
    let bad: Vec<String> = suite
        .entries
        .iter()
        .filter_map(|e| e.case.as_ref().err().map(|x| x.to_string()))
        .collect();
    assert!(bad.is_empty(), "case files that do not load:\n{}", bad.join("\n"));
    let cited: BTreeSet<&str> = suite
        .entries
        .iter()
        .filter_map(|e| e.case.as_ref().ok())
        .flat_map(|c| c.requirements.iter().map(String::as_str))
        .collect();
    let text = std::fs::read_to_string(root().join("coverage-gaps.yaml")).expect("coverage-gaps.yaml");
    let gaps: Gaps = serde_yaml::from_str(&text).expect("coverage-gaps.yaml parses");
    let mut problems = Vec::new();
    let mut declared = BTreeSet::new();
    for g in &gaps.gaps {
        match suite.catalogue.get(&g.requirement) {
            None => problems.push(format!("gap {}: no such requirement", g.requirement)),
            Some(_) if cited.contains(g.requirement.as_str()) => problems.push(format!(
                "gap {}: a case cites it now; remove it from coverage-gaps.yaml",
                g.requirement
            )),
            Some(_) if g.reason.trim().is_empty() => problems.push(format!("gap {}: no reason", g.requirement)),
            Some(_) => {}
        }
        declared.insert(g.requirement.as_str());
    }
    for r in &suite.catalogue.requirements {
        if r.testable && r.level == Level::Must && !cited.contains(r.id.as_str()) && !declared.contains(r.id.as_str()) {
            problems.push(format!(
                "{} ({}, MUST, testable) has no case and no declared gap",
                r.id,
                r.role.as_str()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn client_side_gaps_are_few_and_reasoned() {
    // The client suite (issue 3) aims at no client-side gap at all; this bounds the list so it can
    // only shrink without someone noticing.
    let text = std::fs::read_to_string(root().join("coverage-gaps.yaml")).expect("coverage-gaps.yaml");
    let gaps: Gaps = serde_yaml::from_str(&text).expect("parses");
    let suite = suite::load(&root()).expect("loads");
    let client: Vec<&str> = gaps
        .gaps
        .iter()
        .filter(|g| {
            suite
                .catalogue
                .get(&g.requirement)
                .is_some_and(|r| r.role == Role::Client)
        })
        .map(|g| g.requirement.as_str())
        .collect();
    assert!(client.len() <= CLIENT_GAP_CEILING, "client-side gaps grew: {client:?}");
}

/// Lower this as client-side gaps close; never raise it.
const CLIENT_GAP_CEILING: usize = 6;
