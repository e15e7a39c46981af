//! The aggregate reports of a run, written next to `reports/results/`: `junit.xml`,
//! `checklist.md`, `checklist.html` and `traceability.md`. The CLI's `run`, the libtest-mimic
//! runner and the shard merge (`lwm2m-conformance report`) all go through `write_all`, so a
//! sharded run and a single run give the same reports from the same results.

use std::io;
use std::path::{Path, PathBuf};

use super::Suite;
use crate::evidence::{
    CaseRef, CaseResult, Evidence, RunInfo, VariantRef, checklist_html, checklist_md, matrix_md, write_atomic,
    write_junit,
};

pub(crate) fn case_refs(suite: &Suite) -> Vec<CaseRef> {
    suite
        .entries
        .iter()
        .map(|e| CaseRef {
            case_id: e.case_id(),
            trial_name: e.trial_name.clone(),
            requirements: e.case.as_ref().map(|c| c.requirements.clone()).unwrap_or_default(),
        })
        .collect()
}

/// The reference DUTs' conformant variants, for the checklist.
fn variant_refs() -> Vec<VariantRef> {
    crate::reference::variants()
        .into_iter()
        .map(|v| VariantRef {
            role: v.role.as_str().to_string(),
            id: v.id.to_string(),
            description: v.description.to_string(),
            allowed_by: v.allowed_by.to_string(),
        })
        .collect()
}

/// Writes the four reports into `reports_dir` (each atomically) and returns their paths.
pub fn write_all(
    reports_dir: &Path,
    suite: &Suite,
    info: &RunInfo,
    results: &[CaseResult],
) -> io::Result<Vec<PathBuf>> {
    let cases = case_refs(suite);
    let mut sorted = results.to_vec();
    sorted.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    let variants = variant_refs();
    let e = Evidence {
        info,
        catalogue: &suite.catalogue,
        cases: &cases,
        results: &sorted,
        variants: &variants,
    };
    let junit = reports_dir.join("junit.xml");
    write_junit(&junit, "lwm2m-conformance", &sorted)?;
    let mut written = vec![junit];
    for (name, text) in [
        ("checklist.md", checklist_md(&e)),
        ("checklist.html", checklist_html(&e)),
        ("traceability.md", matrix_md(&e)),
    ] {
        let path = reports_dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
