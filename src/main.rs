//! `lwm2m-conformance`: run the suite (the default), run a reference DUT, list or check cases.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use lwm2m_conformance::cli;

#[derive(Parser)]
#[command(
    name = "lwm2m-conformance",
    version,
    about = "Conformance test harness for OMA LightweightM2M"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the suite against a DUT (default: the built-in reference client); writes reports/ and captures/.
    Run(cli::RunArgs),
    /// List the cases (trial names), with their requirements.
    List {
        #[arg(long)]
        testcases: Option<PathBuf>,
    },
    /// Validate every case, the catalogue and the given DUT profiles; non-zero exit on any error.
    Check {
        #[arg(long)]
        testcases: Option<PathBuf>,
        /// DUT profiles to validate (default: every duts/*.yaml).
        profiles: Vec<PathBuf>,
    },
    /// Run the reference LwM2M client (a conformant device, with optional faults).
    ReferenceClient(cli::ReferenceClientArgs),
    /// Measure the suite against the reference DUTs: wall time vs the mandated quiet windows.
    Bench(lwm2m_conformance::bench::BenchArgs),
    /// Write the JSON Schemas of the case and profile YAML.
    Schema(lwm2m_conformance::schema_cmd::SchemaArgs),
    /// Merge the results of one or many shards (reports/results/*.json) into the JUnit file, the
    /// checklist and the traceability matrix.
    Report(lwm2m_conformance::report_cmd::ReportArgs),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("LWM2M_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    match args.command.unwrap_or(Command::Run(cli::RunArgs::default())) {
        Command::Run(a) => cli::run(a),
        Command::List { testcases } => cli::list(testcases),
        Command::Check { testcases, profiles } => cli::check(testcases, profiles),
        Command::ReferenceClient(a) => cli::reference_client(a),
        Command::Bench(a) => lwm2m_conformance::bench::run(a),
        Command::Schema(a) => lwm2m_conformance::schema_cmd::run(a),
        Command::Report(a) => lwm2m_conformance::report_cmd::run(a),
    }
}
