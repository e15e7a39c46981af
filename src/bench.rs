//! `lwm2m-conformance bench`: how close the suite's wall time comes to what the cases mandate.
//!
//! A case's mandated time is the sum of its `expect_none` windows: silence the specification makes
//! the harness wait for, which no implementation can shorten. Everything else in a case's duration
//! is the DUT's or the harness's time. Trials run in parallel, so the suite's wall time should
//! approach the longest case, not the sum of all cases.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::{Case, Step};
use crate::command::exit;
use crate::command::output::{errln, outln};
use crate::suite::{self, Outputs};
use crate::timing::Timing;

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Trials at once.
    #[arg(long, default_value_t = 32)]
    pub jobs: usize,
    /// Where the run's evidence goes (default: target/bench).
    #[arg(long, default_value = "target/bench")]
    pub out: PathBuf,
}

/// The silence a case mandates, under a profile's timings.
pub(crate) fn mandated(case: &Case, timing: &Timing) -> Duration {
    case.steps
        .iter()
        .filter_map(|s| match s {
            Step::ExpectNone(e) => Some(timing.resolve(e.within)),
            _ => None,
        })
        .sum()
}

/// Peak resident set size in KiB of this process and of its reaped children (the DUTs).
fn peak_rss_kib() -> (i64, i64) {
    use nix::sys::resource::{UsageWho, getrusage};
    let own = getrusage(UsageWho::RUSAGE_SELF).map(|u| u.max_rss()).unwrap_or(0);
    let children = getrusage(UsageWho::RUSAGE_CHILDREN).map(|u| u.max_rss()).unwrap_or(0);
    (own, children)
}

pub(crate) fn run(a: BenchArgs) -> ExitCode {
    let suite = match crate::command::load_suite(&crate::command::testcases_root(None, None)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let rt = match crate::command::runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let reference = |role| {
        crate::profile::reference(role, &[]).map_err(|e| {
            errln!("{e}");
            ExitCode::from(exit::UNUSABLE)
        })
    };
    let profile = match reference(crate::lwm2m::Role::Client) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let entries = suite.entries.clone();
    let mut cases: Vec<(String, Duration)> = Vec::new();
    for c in entries.iter().filter_map(|e| e.case.as_ref().ok()) {
        match reference(c.dut) {
            Ok(p) => cases.push((c.id.clone(), mandated(c, &p.timing))),
            Err(code) => return code,
        }
    }
    let start = Instant::now();
    let results = rt.block_on(suite::run_all(
        Arc::new(suite),
        entries,
        Arc::new(profile),
        None,
        Outputs::under(&a.out),
        a.jobs,
        false,
        |_| {},
    ));
    let wall = start.elapsed();
    let ran: Vec<_> = results.iter().filter(|r| r.duration_ms > 0).collect();
    let sum_mandated: Duration = cases.iter().map(|(_, d)| *d).sum();
    let sum_cases: Duration = ran.iter().map(|r| Duration::from_millis(r.duration_ms)).sum();
    let longest = ran.iter().max_by_key(|r| r.duration_ms);
    let longest_d = longest
        .map(|r| Duration::from_millis(r.duration_ms))
        .unwrap_or_default();
    let mut overheads: Vec<(i64, &str)> = ran
        .iter()
        .map(|r| {
            let m = cases
                .iter()
                .find(|(id, _)| *id == r.case_id)
                .map(|(_, d)| *d)
                .unwrap_or_default();
            (r.duration_ms as i64 - m.as_millis() as i64, r.case_id.as_str())
        })
        .collect();
    overheads.sort();
    let median = overheads.get(overheads.len() / 2).map(|o| o.0).unwrap_or(0);
    let (own, children) = peak_rss_kib();
    let problems = results.iter().filter(|r| r.verdict.is_problem()).count();
    outln!("cases run                         {}", ran.len());
    outln!("cases with a problem verdict      {problems}");
    outln!("suite wall time                   {:.2} s", wall.as_secs_f64());
    outln!("sum of case durations             {:.2} s", sum_cases.as_secs_f64());
    outln!("sum of mandated quiet windows     {:.2} s", sum_mandated.as_secs_f64());
    outln!(
        "longest case                      {:.2} s ({})",
        longest_d.as_secs_f64(),
        longest.map(|r| r.case_id.as_str()).unwrap_or("-")
    );
    outln!(
        "wall time / longest case          {:.2}",
        wall.as_secs_f64() / longest_d.as_secs_f64().max(0.001)
    );
    outln!(
        "harness overhead per case         median {median} ms, max {} ms ({})",
        overheads.last().map(|o| o.0).unwrap_or(0),
        overheads.last().map(|o| o.1).unwrap_or("-")
    );
    outln!(
        "peak RSS                          harness {} MiB, largest DUT {} MiB",
        own / 1024,
        children / 1024
    );
    if problems > 0 {
        ExitCode::from(exit::PROBLEM)
    } else {
        ExitCode::SUCCESS
    }
}
