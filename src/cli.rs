//! The command line: the commands' arguments and implementations, kept in the library so tests
//! can call them and check every option's help (`main.rs` only dispatches to [`main`]).
//!
//! Every command follows one exit-status convention ([`exit`], README "Exit status"), and its
//! output goes through [`output`], so a closed pipe (`list | head`) never panics.

pub use crate::command::{exit, output};

use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::command::output::{errln, out, outln};
use crate::command::{load_suite, missing_testcases, runtime, testcases_root};
use crate::profile::load_profile;
pub use crate::reference::args::{ReferenceBootstrapServerArgs, ReferenceClientArgs, ReferenceServerArgs};
use crate::suite::{self, Outputs, summary};

const EXIT_STATUS: &str = "\
Exit status (every command):
  0        done, nothing gating
  1        done, and a problem found: a gating verdict or finding (run, report, bench, analyze),
           an invalid file (check), a case without a result (report), a case that does not
           load (list)
  2        could not be done: wrong usage, an input missing, unreadable or damaged (testcases
           folder, DUT profile, capture), an output that cannot be written
  130/143  run interrupted by SIGINT/SIGTERM

Closing the output early (`list | head`) is no error.";

/// The help of `--testcases` for the commands that take a DUT profile too.
const TESTCASES_HELP: &str = "The folder of the cases and requirements.yaml (default: $LWM2M_TESTCASES, else the \
     testcases/ next to the DUT profile, in its folder or the one above, else ./testcases)";

#[derive(Parser)]
#[command(
    name = "lwm2m-conformance",
    version,
    about = "Conformance test harness for OMA LightweightM2M",
    after_help = EXIT_STATUS
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Run the suite against a DUT (default: the built-in reference DUTs); writes reports/ and captures/.
    Run(RunArgs),
    /// List the cases (trial names), with their requirements.
    List(ListArgs),
    /// List the conformant variants of the reference DUTs (`--variant`) the self-test proves
    /// every case on, with the specification text that allows each.
    Variants,
    /// Validate every case, the catalogue and the given DUT profiles; exit 1 on any error.
    Check(CheckArgs),
    /// Run the reference LwM2M client (a conformant device, with optional faults).
    ReferenceClient(ReferenceClientArgs),
    /// Run the reference LwM2M Bootstrap-Server (conformant, with optional faults).
    ReferenceBootstrapServer(ReferenceBootstrapServerArgs),
    /// Run the reference LwM2M server (conformant, with optional faults; triggers on stdin or HTTP).
    ReferenceServer(ReferenceServerArgs),
    /// Measure the suite against the reference DUTs: wall time vs the mandated quiet windows.
    Bench(crate::bench::BenchArgs),
    /// Write the JSON Schemas of the case and profile YAML.
    Schema(crate::schema_cmd::SchemaArgs),
    /// Print the LwM2M transcript of captures (pcap/pcapng, taken by the harness or anywhere).
    Explain(crate::explain_cmd::ExplainArgs),
    /// Judge captures against the requirements observation alone can settle; exit 1 on a gating failure.
    Analyze(crate::analyze_cmd::AnalyzeArgs),
    /// Merge the results of one or many shards (reports/results/*.json) into the JUnit file, the
    /// checklist and the traceability matrix.
    Report(crate::report_cmd::ReportArgs),
}

/// Parses the command line, runs the command and returns its exit status (after the DUT guard,
/// which `main.rs` dispatches before anything else).
pub fn main() -> ExitCode {
    let args = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("LWM2M_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A DUT's stderr goes to its .dut.log: colour codes only on a terminal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let code = match args.command.unwrap_or(Command::Run(RunArgs::default())) {
        Command::Run(a) => run(a),
        Command::List(a) => list(a),
        Command::Variants => variants(),
        Command::Check(a) => check(a),
        Command::ReferenceClient(a) => reference_client(a),
        Command::ReferenceBootstrapServer(a) => reference_bootstrap_server(a),
        Command::ReferenceServer(a) => reference_server(a),
        Command::Bench(a) => crate::bench::run(a),
        Command::Schema(a) => crate::schema_cmd::run(a),
        Command::Explain(a) => crate::explain_cmd::explain(a),
        Command::Analyze(a) => crate::analyze_cmd::run_analyze(a),
        Command::Report(a) => crate::report_cmd::run(a),
    };
    output::finish(code)
}

#[derive(clap::Args, Default)]
pub(crate) struct RunArgs {
    /// DUT profile (default: $LWM2M_DUT, else the built-in reference DUT of each case's role).
    #[arg(long)]
    pub dut: Option<PathBuf>,
    /// Run only cases whose trial name or ID contains one of these (repeatable); none matching
    /// is a usage error.
    #[arg(long)]
    pub filter: Vec<String>,
    /// SHOULD/MAY-level findings fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// Trials at once (default: 32 for a launched DUT, 1 for an attached one).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[arg(long, help = TESTCASES_HELP)]
    pub testcases: Option<PathBuf>,
    /// Where captures/ and reports/ go (default: the current directory).
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// An extra argument for the DUT's launch (repeatable; after those of $LWM2M_DUT_ARGS): put
    /// where a launch says `{dut_args}`, else at the end.
    #[arg(long = "dut-arg", value_name = "ARG", allow_hyphen_values = true)]
    pub dut_args: Vec<String>,
    /// An extra environment variable for the DUT's launch, NAME=VALUE (repeatable).
    #[arg(long = "dut-env", value_name = "NAME=VALUE", value_parser = parse_env)]
    pub dut_env: Vec<(String, String)>,
}

#[derive(clap::Args)]
pub(crate) struct ListArgs {
    /// The folder of the cases and requirements.yaml (default: $LWM2M_TESTCASES, else
    /// ./testcases).
    #[arg(long)]
    pub testcases: Option<PathBuf>,
}

#[derive(clap::Args)]
pub(crate) struct CheckArgs {
    #[arg(long, help = TESTCASES_HELP)]
    pub testcases: Option<PathBuf>,
    /// DUT profiles to validate (default: every *.yaml in the duts/ beside the testcases folder).
    pub profiles: Vec<PathBuf>,
}

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

pub(crate) fn run(a: RunArgs) -> ExitCode {
    let (profile, profile_file) = match suite::select_profile(a.dut.as_deref(), &a.dut_args, &a.dut_env) {
        Ok(p) => p,
        Err(e) => {
            errln!("{e}");
            return ExitCode::from(exit::UNUSABLE);
        }
    };
    let suite = match load_suite(&testcases_root(a.testcases.clone(), profile_file.as_deref())) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let outputs = Outputs::under(&a.out);
    let entries: Vec<suite::Entry> = suite
        .entries
        .iter()
        .filter(|e| {
            a.filter.is_empty()
                || a.filter
                    .iter()
                    .any(|f| e.trial_name.contains(f.as_str()) || e.case_id().contains(f.as_str()))
        })
        .cloned()
        .collect();
    if entries.is_empty() {
        errln!(
            "no case of {} matches --filter {}",
            suite.root.display(),
            a.filter.join(" --filter ")
        );
        return ExitCode::from(exit::UNUSABLE);
    }
    let jobs = a.jobs.unwrap_or(if profile.parallel() { 32 } else { 1 }).max(1);
    errln!(
        "running {} cases against {} ({} at a time)",
        entries.len(),
        profile.name,
        jobs
    );
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    if let Err(e) = on_interrupt(&rt) {
        errln!("cannot handle SIGINT/SIGTERM: {e}");
        return ExitCode::from(exit::UNUSABLE);
    }
    let start = std::time::Instant::now();
    let info = crate::evidence::RunInfo::new(&profile, profile_file.as_deref());
    if let Err(e) = info.write(&outputs.results) {
        errln!(
            "cannot write the run description into {}: {e}",
            outputs.results.display()
        );
    }
    let suite = Arc::new(suite);
    let planned = entries.len();
    let results = rt.block_on(suite::run_all(
        suite.clone(),
        entries,
        Arc::new(profile),
        profile_file,
        outputs.clone(),
        jobs,
        a.strict,
        |r| errln!("{:<12} {}", r.verdict.word(), r.trial_name),
    ));
    let mut results = results;
    results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    let reports = a.out.join("reports");
    // JUnit, checklist (MD + HTML) and traceability matrix, as `report` writes them from shards.
    let written = suite::reports::write_all(&reports, &suite, &info, &results);
    if let Err(e) = &written {
        errln!("cannot write the reports into {}: {e}", reports.display());
    }
    out!("{}", summary::table(&results));
    outln!(
        "wall time {:.1}s; JUnit {}; checklist {}; captures {}",
        start.elapsed().as_secs_f64(),
        reports.join("junit.xml").display(),
        reports.join("checklist.html").display(),
        outputs.captures.display()
    );
    let interrupted = crate::transport::interrupt::requested();
    if let Some(why) = interrupted {
        let cut = results
            .iter()
            .filter(|r| r.verdict == crate::evidence::Verdict::Interrupted)
            .count();
        errln!(
            "interrupted by {why}: {} cases finished, {cut} interrupted, {} not run",
            results.len() - cut,
            planned - results.len()
        );
    }
    ExitCode::from(run_status(&results, interrupted, written.is_ok()))
}

/// `run`'s exit status: 130 or 143 when interrupted; else 2 when the reports could not be
/// written (a CI must not read a green run from reports that are not there); else 1 when a
/// result gates (a MUST-level problem, any problem with `--strict`, a trial that panicked);
/// else 0.
fn run_status(results: &[crate::evidence::CaseResult], interrupted: Option<&str>, reports_written: bool) -> u8 {
    match interrupted {
        Some(why) => interrupted_status(why),
        None if !reports_written => exit::UNUSABLE,
        None if results.iter().any(|r| r.gating) => exit::PROBLEM,
        None => exit::OK,
    }
}

/// The shell's status for a run ended by `why`: 128 + the signal number.
fn interrupted_status(why: &str) -> u8 {
    if why == "SIGTERM" { exit::SIGTERM } else { exit::SIGINT }
}

/// SIGINT or SIGTERM interrupt the run: running trials stop their DUTs and end as
/// `interrupted`, no further trial starts, the reports are written from what there is and `run`
/// exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once (the DUTs' guards still
/// kill every DUT process when the harness ends).
fn on_interrupt(rt: &tokio::runtime::Runtime) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    // Registered now, so a signal arriving before the task first runs is not lost.
    let _entered = rt.enter();
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    rt.spawn(async move {
        loop {
            let why = tokio::select! {
                _ = int.recv() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            };
            if crate::transport::interrupt::requested().is_some() {
                errln!("{why} again: exiting now");
                std::process::exit(interrupted_status(why).into());
            }
            errln!("{why}: stopping the running DUTs and writing what finished (again to exit at once)");
            crate::transport::interrupt::request(why);
        }
    });
    Ok(())
}

/// Every case, one line each; a case that does not load is listed as such and makes the exit
/// status 1.
pub(crate) fn list(a: ListArgs) -> ExitCode {
    let s = match load_suite(&testcases_root(a.testcases, None)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut broken = false;
    for e in &s.entries {
        match &e.case {
            Ok(c) => {
                let level = s.catalogue.level_of(&c.requirements).word();
                let ets = c.ets.as_ref().map(|x| format!("  {x}")).unwrap_or_default();
                outln!(
                    "{}  {level} [{}]  catches: {}{ets}",
                    e.trial_name,
                    c.requirements.join(", "),
                    c.catches
                );
            }
            Err(err) => {
                broken = true;
                outln!("{}  (does not load: {err})", e.trial_name);
            }
        }
    }
    ExitCode::from(if broken { exit::PROBLEM } else { exit::OK })
}

pub(crate) fn variants() -> ExitCode {
    for v in crate::reference::variants() {
        outln!(
            "{:<17} {:<28} {}\n{:<46} allowed by: {}",
            v.role.as_str(),
            v.id,
            v.description,
            "",
            v.allowed_by
        );
    }
    ExitCode::SUCCESS
}

/// Validates the cases, the catalogue and the profiles: every problem is printed, and any makes
/// the exit status 1 (the files are what `check` judges); a testcases folder that is not there
/// is 2.
pub(crate) fn check(a: CheckArgs) -> ExitCode {
    let root = testcases_root(a.testcases, a.profiles.first().map(PathBuf::as_path));
    if missing_testcases(&root) {
        return ExitCode::from(exit::UNUSABLE);
    }
    let mut errors = 0;
    let loaded = suite::load(&root);
    match &loaded {
        Ok(s) => {
            for e in &s.entries {
                if let Err(err) = &e.case {
                    errln!("{err}");
                    errors += 1;
                }
            }
            outln!(
                "{} cases, {} requirements checked",
                s.entries.len(),
                s.catalogue.requirements.len()
            );
        }
        Err(e) => {
            errln!("{e}");
            errors += 1;
        }
    }
    let profiles = if a.profiles.is_empty() {
        default_profiles(&root)
    } else {
        a.profiles
    };
    for p in &profiles {
        match load_profile(p) {
            Ok(profile) => {
                // Windows a case waits that this DUT's declared delays cannot fit in.
                for entry in loaded.iter().flat_map(|s| &s.entries) {
                    if let Ok(case) = &entry.case {
                        for finding in crate::case::windows::too_short(case, &profile.timing) {
                            errln!("{}: {finding}", p.display());
                            errors += 1;
                        }
                    }
                }
            }
            Err(e) => {
                errln!("{e}");
                errors += 1;
            }
        }
    }
    outln!("{} profiles checked; {errors} errors", profiles.len());
    ExitCode::from(if errors == 0 { exit::OK } else { exit::PROBLEM })
}

/// The profiles next to the testcases folder: `duts/*.yaml`.
fn default_profiles(testcases: &Path) -> Vec<PathBuf> {
    crate::profile::profile_files(&testcases.parent().unwrap_or(Path::new(".")).join("duts"))
}

pub(crate) fn reference_client(a: ReferenceClientArgs) -> ExitCode {
    block_on_reference("reference client", a.config(), crate::reference::client::run_device)
}

/// Runs the tokio driver `run` makes of a reference DUT's configuration to its end, on a
/// current-thread runtime; an unknown fault or variant id exits 2 with the list of them.
fn block_on_reference<F, R>(what: &str, config: Result<F, String>, run: impl FnOnce(F) -> R) -> ExitCode
where
    R: std::future::Future<Output = std::io::Result<()>>,
{
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            errln!("{e}");
            return ExitCode::from(exit::UNUSABLE);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            errln!("cannot start the runtime: {e}");
            return ExitCode::from(exit::UNUSABLE);
        }
    };
    let result = rt.block_on(run(config));
    // The blocking thread reading stdin (the reference servers' triggers) never ends on its own:
    // do not wait for it, or SIGTERM would take until the harness's SIGKILL.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            errln!("{what}: {e}");
            ExitCode::from(exit::UNUSABLE)
        }
    }
}

pub(crate) fn reference_bootstrap_server(a: ReferenceBootstrapServerArgs) -> ExitCode {
    block_on_reference(
        "reference bootstrap server",
        a.config(),
        crate::reference::bootstrap_server::run,
    )
}

pub(crate) fn reference_server(a: ReferenceServerArgs) -> ExitCode {
    block_on_reference("reference server", a.config(), crate::reference::server::run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command and every option says what it is for in `--help`.
    #[test]
    fn every_command_and_option_has_help() {
        let cli = Cli::command();
        cli.clone().debug_assert();
        let mut missing = Vec::new();
        for cmd in std::iter::once(&cli).chain(cli.get_subcommands()) {
            if cmd.get_about().is_none() {
                missing.push(format!("`{}` has no about", cmd.get_name()));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if !["help", "version"].contains(&id) && arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("`{} {id}` has no help", cmd.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn the_testcases_default_is_beside_the_profile_or_here() {
        if std::env::var_os("LWM2M_TESTCASES").is_some() {
            return; // it names the folder, whatever the profile
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let project = dir.path().join("project");
        std::fs::create_dir_all(project.join("duts")).expect("duts");
        std::fs::create_dir_all(project.join("testcases")).expect("testcases");
        std::fs::write(project.join("testcases/requirements.yaml"), "requirements: []\n").expect("catalogue");
        let profile = project.join("duts/x.yaml");
        assert_eq!(suite::default_root(Some(profile.as_path())), project.join("testcases"));
        // In the profile's own folder first.
        std::fs::create_dir_all(project.join("duts/testcases")).expect("testcases");
        std::fs::write(project.join("duts/testcases/requirements.yaml"), "requirements: []\n").expect("catalogue");
        assert_eq!(
            suite::default_root(Some(profile.as_path())),
            project.join("duts/testcases")
        );
        // No profile, or none beside it: the working directory's, never the build folder's.
        assert_eq!(suite::default_root(None), PathBuf::from("testcases"));
        let alone = dir.path().join("alone/x.yaml");
        assert_eq!(suite::default_root(Some(alone.as_path())), PathBuf::from("testcases"));
    }

    #[test]
    fn a_gating_result_fails_the_run_and_an_interruption_says_which_signal() {
        let result = |gating| crate::evidence::CaseResult {
            case_id: "c".into(),
            trial_name: "t".into(),
            classname: "k".into(),
            title: String::new(),
            requirements: Vec::new(),
            ets: None,
            level: crate::evidence::Level::Should,
            catches: None,
            dut: "d".into(),
            verdict: crate::evidence::Verdict::Error,
            gating,
            message: None,
            failure: None,
            pcap: None,
            coap_port: None,
            started_at: String::new(),
            duration_ms: 0,
            transcript: Vec::new(),
            dut_log: None,
        };
        assert_eq!(super::run_status(&[result(false)], None, true), 0);
        assert_eq!(super::run_status(&[result(false), result(true)], None, true), 1);
        assert_eq!(super::run_status(&[result(false)], Some("SIGINT"), false), 130);
        assert_eq!(super::run_status(&[], Some("SIGTERM"), true), 143);
        assert_eq!(
            super::run_status(&[result(true)], None, false),
            2,
            "no reports: unusable"
        );
    }
}
