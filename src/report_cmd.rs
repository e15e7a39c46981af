//! `lwm2m-conformance report DIR...`: merge the per-case results of one run or of many shards
//! (one per nextest process or CI runner) and write the JUnit file, the checklist (Markdown and
//! HTML) and the traceability matrix from them, exactly as a single run writes them.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::command::exit;
use crate::command::output::{errln, out, outln};
use crate::evidence::merge::merge;
use crate::evidence::{RunInfo, distinct_duts};
use crate::suite::{reports, summary};

#[derive(clap::Args)]
pub(crate) struct ReportArgs {
    /// What the shards wrote: each a `reports/` folder (with `results/` inside) or a `results/`
    /// folder itself.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where junit.xml, checklist.md, checklist.html and traceability.md go. The checklist links
    /// to `../captures/<case>.pcap`, so put the shards' captures beside it.
    #[arg(long, default_value = "reports")]
    pub out: PathBuf,
    /// The suite the results are of, for the cases that did not run and the catalogue (default:
    /// $LWM2M_TESTCASES, else ./testcases).
    #[arg(long)]
    pub testcases: Option<PathBuf>,
    /// Cases of the suite without a result are listed but do not fail the command (a filtered
    /// run). Without it they do: a shard that died must not pass as a green run.
    #[arg(long)]
    pub allow_missing: bool,
}

pub(crate) fn run(a: ReportArgs) -> ExitCode {
    let root = crate::command::testcases_root(a.testcases.clone(), None);
    let suite = match crate::command::load_suite(&root) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let merged = match merge(&a.dirs) {
        Ok(m) => m,
        Err(e) => {
            errln!("cannot merge: {e}");
            return ExitCode::from(exit::UNUSABLE);
        }
    };
    for note in &merged.notes {
        errln!("note: {note}");
    }
    let info = merged
        .info
        .clone()
        .unwrap_or_else(|| RunInfo::unknown(&distinct_duts(&merged.results).join(", ")));
    let cases = reports::case_refs(&suite);
    let missing: Vec<&str> = cases
        .iter()
        .filter(|c| !merged.results.iter().any(|r| r.case_id == c.case_id))
        .map(|c| c.trial_name.as_str())
        .collect();
    for r in &merged.results {
        if !cases.iter().any(|c| c.case_id == r.case_id) {
            errln!(
                "note: result for {}, which is not a case of {}",
                r.case_id,
                root.display()
            );
        }
    }
    if !missing.is_empty() {
        errln!("{} cases have no result: {}", missing.len(), missing.join(", "));
    }
    match reports::write_all(&a.out, &suite, &info, &merged.results) {
        Ok(written) => {
            out!("{}", summary::table(&merged.results));
            let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            outln!("merged {} shard(s); wrote {}", a.dirs.len(), names.join(", "));
        }
        Err(e) => {
            errln!("cannot write the reports into {}: {e}", a.out.display());
            return ExitCode::from(exit::UNUSABLE);
        }
    }
    if merged.results.iter().any(|r| r.gating) || (!missing.is_empty() && !a.allow_missing) {
        ExitCode::from(exit::PROBLEM)
    } else {
        ExitCode::SUCCESS
    }
}
