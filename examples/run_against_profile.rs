//! The library as a vendor's own test program would use it: load the suite, load a DUT profile,
//! run every case against it in parallel, and write the evidence (pcaps, result files, JUnit,
//! checklist, traceability matrix) under one folder.
//!
//! ```sh
//! cargo build && LWM2M_CONFORMANCE_EXE=$PWD/target/debug/lwm2m-conformance \
//!   cargo run --example run_against_profile -- duts/reference-client.yaml target/example-run
//! ```
//!
//! The built-in reference DUTs' profiles launch `{exe} reference-client ...`: `{exe}` is the
//! program running the suite unless `$LWM2M_CONFORMANCE_EXE` names the harness binary, which
//! this example is not. A profile of your own device needs neither.
//!
//! (`lwm2m-conformance run --dut FILE --out DIR` does the same, with a summary table.)

use std::path::PathBuf;
use std::sync::Arc;

use lwm2m_conformance::evidence::{RunInfo, Verdict};
use lwm2m_conformance::profile::load_profile;
use lwm2m_conformance::suite::{self, Outputs};
use lwm2m_conformance::template::placeholders;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let profile_file = PathBuf::from(args.next().unwrap_or_else(|| "duts/reference-client.yaml".into()));
    let out_root = PathBuf::from(args.next().unwrap_or_else(|| "target/example-run".into()));

    // The cases and the requirement catalogue: `testcases/` beside the profile, else here.
    let suite = Arc::new(suite::load(&suite::default_root(Some(&profile_file)))?);
    // Loading checks the profile as `check` does (unknown keys, placeholders, triggers).
    let profile = load_profile(&profile_file)?;
    let launches_harness = profile
        .launches()
        .into_iter()
        .filter_map(|(_, _, launch)| launch)
        .flat_map(|l| l.command.iter().chain(&l.shell).chain(l.env.values()).chain(&l.stdin))
        .any(|template| placeholders(template).contains(&"exe"));
    if launches_harness && std::env::var_os("LWM2M_CONFORMANCE_EXE").is_none() {
        eprintln!(
            "{} launches {{exe}}: set LWM2M_CONFORMANCE_EXE to the lwm2m-conformance binary (an absolute path)",
            profile_file.display()
        );
        std::process::exit(2);
    }

    let outputs = Outputs::under(&out_root);
    let info = RunInfo::new(&profile, Some(&profile_file));
    info.write(&outputs.results)?;
    let entries = suite.entries.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let results = runtime.block_on(suite::run_all(
        suite.clone(),
        entries,
        Arc::new(profile),
        Some(profile_file),
        outputs,
        8,     // trials at once, each with its own DUT instance
        false, // not strict: only MUST-level problems gate
        |r| eprintln!("{:<12} {}", r.verdict.word(), r.trial_name),
    ));
    suite::reports::write_all(&out_root.join("reports"), &suite, &info, &results)?;

    let passed = results.iter().filter(|r| r.verdict == Verdict::Pass).count();
    let gating = results.iter().filter(|r| r.gating).count();
    println!(
        "{} cases, {passed} passed, {gating} gating; evidence in {}",
        results.len(),
        out_root.display()
    );
    std::process::exit(i32::from(gating > 0));
}
