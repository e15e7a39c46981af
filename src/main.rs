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
    /// List the conformant variants of the reference DUTs (`--variant`) the self-test proves
    /// every case on, with the specification text that allows each.
    Variants,
    /// Validate every case, the catalogue and the given DUT profiles; non-zero exit on any error.
    Check {
        #[arg(long)]
        testcases: Option<PathBuf>,
        /// DUT profiles to validate (default: every duts/*.yaml).
        profiles: Vec<PathBuf>,
    },
    /// Run the reference LwM2M client (a conformant device, with optional faults).
    ReferenceClient(cli::ReferenceClientArgs),
    /// Run the reference LwM2M Bootstrap-Server (conformant, with optional faults).
    ReferenceBootstrapServer(cli::ReferenceBootstrapServerArgs),
    /// Run the reference LwM2M server (conformant, with optional faults; triggers on stdin or HTTP).
    ReferenceServer(cli::ReferenceServerArgs),
    /// Measure the suite against the reference DUTs: wall time vs the mandated quiet windows.
    Bench(lwm2m_conformance::bench::BenchArgs),
    /// Write the JSON Schemas of the case and profile YAML.
    Schema(lwm2m_conformance::schema_cmd::SchemaArgs),
    /// Print the LwM2M transcript of captures (pcap/pcapng, taken by the harness or anywhere).
    Explain(lwm2m_conformance::explain_cmd::ExplainArgs),
    /// Judge captures against the requirements observation alone can settle; non-zero exit on a gating failure.
    Analyze(lwm2m_conformance::explain_cmd::AnalyzeArgs),
    /// Merge the results of one or many shards (reports/results/*.json) into the JUnit file, the
    /// checklist and the traceability matrix.
    Report(lwm2m_conformance::report_cmd::ReportArgs),
}

fn main() -> ExitCode {
    // A DUT's guard (see `transport::guard`): before anything else, so it starts no thread.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .get(1)
        .is_some_and(|a| a == lwm2m_conformance::transport::guard::SUBCOMMAND)
    {
        return lwm2m_conformance::transport::guard::main(&argv[2..]);
    }
    let args = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("LWM2M_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A DUT's stderr goes to its .dut.log: colour codes only on a terminal.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    match args.command.unwrap_or(Command::Run(cli::RunArgs::default())) {
        Command::Run(a) => cli::run(a),
        Command::List { testcases } => cli::list(testcases),
        Command::Variants => cli::variants(),
        Command::Check { testcases, profiles } => cli::check(testcases, profiles),
        Command::ReferenceClient(a) => cli::reference_client(a),
        Command::ReferenceBootstrapServer(a) => cli::reference_bootstrap_server(a),
        Command::ReferenceServer(a) => cli::reference_server(a),
        Command::Bench(a) => lwm2m_conformance::bench::run(a),
        Command::Schema(a) => lwm2m_conformance::schema_cmd::run(a),
        Command::Explain(a) => lwm2m_conformance::explain_cmd::explain(a),
        Command::Analyze(a) => lwm2m_conformance::explain_cmd::run_analyze(a),
        Command::Report(a) => lwm2m_conformance::report_cmd::run(a),
    }
}
