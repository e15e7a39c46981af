//! The command implementations behind `main.rs`, kept in the library so tests can call them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use crate::case::load::load_profile;
use crate::suite::{self, Outputs, summary};

#[derive(clap::Args, Default)]
pub struct RunArgs {
    /// DUT profile (default: $LWM2M_DUT, else the built-in reference client).
    #[arg(long)]
    pub dut: Option<PathBuf>,
    /// Run only cases whose trial name or ID contains one of these.
    #[arg(long)]
    pub filter: Vec<String>,
    /// SHOULD/MAY-level findings fail the run too.
    #[arg(long)]
    pub strict: bool,
    /// Trials at once (default: 32 for a launched DUT, 1 for an attached one).
    #[arg(long)]
    pub jobs: Option<usize>,
    #[arg(long)]
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

fn parse_env(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("`{s}` is not NAME=VALUE"))
}

/// The suite under `testcases` (default: $LWM2M_TESTCASES, else ./testcases); a catalogue or
/// loader error is printed and becomes exit status 2, as for every command that runs cases.
pub(crate) fn load_suite(testcases: Option<PathBuf>) -> Result<suite::Suite, ExitCode> {
    let root = testcases.unwrap_or_else(suite::default_root);
    suite::load(&root).map_err(|e| {
        eprintln!("{e}");
        ExitCode::from(2)
    })
}

/// The multi-threaded runtime the suite runs on; failing to start it is exit status 2.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("cannot start the runtime: {e}");
            ExitCode::from(2)
        })
}

pub fn run(a: RunArgs) -> ExitCode {
    let suite = match load_suite(a.testcases.clone()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (profile, profile_file) = match suite::select_profile(a.dut.as_deref(), &a.dut_args, &a.dut_env) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
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
    let jobs = a.jobs.unwrap_or(if profile.parallel() { 32 } else { 1 }).max(1);
    eprintln!(
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
        eprintln!("cannot handle SIGINT/SIGTERM: {e}");
        return ExitCode::from(2);
    }
    let start = std::time::Instant::now();
    let info = crate::evidence::RunInfo::new(&profile, profile_file.as_deref());
    if let Err(e) = info.write(&outputs.results) {
        eprintln!(
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
        |r| eprintln!("{:<12} {}", summary::verdict_word(r.verdict), r.trial_name),
    ));
    let mut results = results;
    results.sort_by(|a, b| a.trial_name.cmp(&b.trial_name));
    let junit = a.out.join("reports").join("junit.xml");
    // JUnit, checklist (MD + HTML) and traceability matrix, as `report` writes them from shards.
    if let Err(e) = suite::reports::write_all(&a.out.join("reports"), &suite, &info, &results) {
        eprintln!("cannot write the reports into {}: {e}", a.out.join("reports").display());
    }
    print!("{}", summary::table(&results));
    println!(
        "wall time {:.1}s; JUnit {}; checklist {}; captures {}",
        start.elapsed().as_secs_f64(),
        junit.display(),
        a.out.join("reports").join("checklist.html").display(),
        outputs.captures.display()
    );
    if let Some(why) = crate::transport::interrupt::requested() {
        let cut = results
            .iter()
            .filter(|r| r.verdict == crate::evidence::Verdict::Interrupted)
            .count();
        eprintln!(
            "interrupted by {why}: {} cases finished, {cut} interrupted, {} not run",
            results.len() - cut,
            planned - results.len()
        );
        return ExitCode::from(interrupted_status(why));
    }
    if results.iter().any(|r| r.gating) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The shell's status for a run ended by `why`: 128 + the signal number.
fn interrupted_status(why: &str) -> u8 {
    if why == "SIGTERM" { 143 } else { 130 }
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
                eprintln!("{why} again: exiting now");
                std::process::exit(interrupted_status(why).into());
            }
            eprintln!("{why}: stopping the running DUTs and writing what finished (again to exit at once)");
            crate::transport::interrupt::request(why);
        }
    });
    Ok(())
}

pub fn list(testcases: Option<PathBuf>) -> ExitCode {
    let root = testcases.unwrap_or_else(suite::default_root);
    match suite::load(&root) {
        Ok(s) => {
            for e in &s.entries {
                match &e.case {
                    Ok(c) => {
                        let level = s.catalogue.level_of(&c.requirements).word();
                        let ets = c.ets.as_ref().map(|x| format!("  {x}")).unwrap_or_default();
                        println!(
                            "{}  {level} [{}]  catches: {}{ets}",
                            e.trial_name,
                            c.requirements.join(", "),
                            c.catches
                        );
                    }
                    Err(err) => println!("{}  (does not load: {err})", e.trial_name),
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

pub fn variants() -> ExitCode {
    for v in crate::reference::variants() {
        println!(
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

pub fn check(testcases: Option<PathBuf>, profiles: Vec<PathBuf>) -> ExitCode {
    let root = testcases.unwrap_or_else(suite::default_root);
    let mut errors = 0;
    let loaded = suite::load(&root);
    match &loaded {
        Ok(s) => {
            for e in &s.entries {
                if let Err(err) = &e.case {
                    eprintln!("{err}");
                    errors += 1;
                }
            }
            println!(
                "{} cases, {} requirements checked",
                s.entries.len(),
                s.catalogue.requirements.len()
            );
        }
        Err(e) => {
            eprintln!("{e}");
            errors += 1;
        }
    }
    let profiles = if profiles.is_empty() {
        default_profiles(&root)
    } else {
        profiles
    };
    for p in &profiles {
        match load_profile(p) {
            Ok(profile) => {
                // Windows a case waits that this DUT's declared delays cannot fit in.
                for entry in loaded.iter().flat_map(|s| &s.entries) {
                    if let Ok(case) = &entry.case {
                        for finding in crate::case::windows::too_short(case, &profile.timing) {
                            eprintln!("{}: {finding}", p.display());
                            errors += 1;
                        }
                    }
                }
            }
            Err(e) => {
                eprintln!("{e}");
                errors += 1;
            }
        }
    }
    println!("{} profiles checked; {errors} errors", profiles.len());
    if errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The profiles next to the testcases folder: `duts/*.yaml`.
fn default_profiles(testcases: &Path) -> Vec<PathBuf> {
    crate::case::load::profile_files(&testcases.parent().unwrap_or(Path::new(".")).join("duts"))
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("peer").required(true).multiple(true).args(["server", "bootstrap"])))]
pub struct ReferenceClientArgs {
    /// A factory-bootstrapped LwM2M Server (Server /1/0, Short Server ID 1; must be loopback).
    #[arg(long)]
    pub server: Option<std::net::SocketAddr>,
    /// A Bootstrap-Server Account, Security /0/0 (must be loopback). Without --server and
    /// without --server-initiated the client starts with Bootstrap-Request.
    #[arg(long)]
    pub bootstrap: Option<std::net::SocketAddr>,
    /// Never send Bootstrap-Request: wait for the Bootstrap-Server to write (Server Initiated
    /// Bootstrap).
    #[arg(long, requires = "bootstrap")]
    pub server_initiated: bool,
    /// Bind the client's UDP socket here (loopback) instead of an ephemeral port, so that a
    /// Bootstrap-Server can reach it.
    #[arg(long)]
    pub listen: Option<std::net::SocketAddr>,
    /// Endpoint Client Name.
    #[arg(long)]
    pub endpoint: String,
    /// Lifetime in seconds (the Server Object's Lifetime resource).
    #[arg(long, default_value_t = 300)]
    pub lifetime: u32,
    /// Break one requirement on purpose (repeatable); see `--fault help`.
    #[arg(long)]
    pub fault: Vec<String>,
    /// The LwM2M version to implement: 1.0, or 1.1 (adds `lwm2m=1.1`, Bootstrap-Read and
    /// -Discover, and the Server Object's registration resources 13-20).
    #[arg(long, default_value = "1.0")]
    pub lwm2m: crate::reference::client::Version,
    /// Take one conformant freedom on purpose (repeatable), e.g. `no-tlv`; an unknown id lists
    /// them all. The self-test runs every case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

impl ReferenceClientArgs {
    /// The device this command line describes (the process and the in-memory pairing of
    /// `crate::sim` both start from it); Err names an unknown `--fault` or `--variant`.
    pub fn config(self) -> Result<crate::reference::client::DeviceConfig, String> {
        use crate::reference::client::{DeviceConfig, Fault, Variant};
        Ok(DeviceConfig {
            endpoint: self.endpoint,
            server: self.server,
            bootstrap: self.bootstrap,
            server_initiated: self.server_initiated,
            listen: self.listen,
            lifetime: self.lifetime,
            faults: Fault::parse_all(&self.fault)?,
            version: self.lwm2m,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

pub fn reference_client(a: ReferenceClientArgs) -> ExitCode {
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
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let result = rt.block_on(run(config));
    // The blocking thread reading stdin (the reference servers' triggers) never ends on its own:
    // do not wait for it, or SIGTERM would take until the harness's SIGKILL.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{what}: {e}");
            ExitCode::from(1)
        }
    }
}

#[derive(clap::Args)]
pub struct ReferenceBootstrapServerArgs {
    /// Listen for Bootstrap-Requests here (loopback).
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    /// The LwM2M Server URI written into the client's Security instance (NoSec, coap://).
    #[arg(long, default_value = "coap://127.0.0.1:5683")]
    pub server_uri: String,
    /// Server Initiated Bootstrap: provision the client listening at HOST:PORT at start-up,
    /// without waiting for a Bootstrap-Request.
    #[arg(long, value_name = "HOST:PORT")]
    pub server_initiated: Option<std::net::SocketAddr>,
    /// Take triggers as HTTP `POST /trigger` here (loopback), besides stdin; the body is one
    /// trigger line, e.g. `bootstrap 127.0.0.1:5683`.
    #[arg(long, value_name = "HOST:PORT")]
    pub http: Option<std::net::SocketAddr>,
    /// Break one requirement on purpose (repeatable); see `--fault help`.
    #[arg(long)]
    pub fault: Vec<String>,
    /// Take one conformant freedom on purpose (repeatable), e.g. `discover-first`; an unknown
    /// id lists them all. The self-test runs every case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

#[derive(clap::Args)]
pub struct ReferenceServerArgs {
    /// Listen here (must be loopback), e.g. 127.0.0.1:5683.
    #[arg(long)]
    pub listen: std::net::SocketAddr,
    /// Also take trigger lines as the body of `POST /trigger` here (TCP, must be loopback).
    #[arg(long)]
    pub http: Option<std::net::SocketAddr>,
    /// Break one requirement on purpose (repeatable); an unknown id lists them all.
    #[arg(long)]
    pub fault: Vec<String>,
    /// Take one conformant freedom on purpose (repeatable), e.g. `split-write-attributes`; an
    /// unknown id lists them all. The self-test runs every server case against every variant.
    #[arg(long)]
    pub variant: Vec<String>,
}

impl ReferenceBootstrapServerArgs {
    /// The Bootstrap-Server this command line describes; Err names an unknown `--fault` or
    /// `--variant`.
    pub fn config(self) -> Result<crate::reference::bootstrap_server::BootstrapServerConfig, String> {
        use crate::reference::bootstrap_server::{BootstrapServerConfig, Fault, Variant};
        Ok(BootstrapServerConfig {
            listen: self.listen,
            server_uri: self.server_uri,
            server_initiated: self.server_initiated,
            http: self.http,
            faults: Fault::parse_all(&self.fault)?,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

pub fn reference_bootstrap_server(a: ReferenceBootstrapServerArgs) -> ExitCode {
    block_on_reference(
        "reference bootstrap server",
        a.config(),
        crate::reference::bootstrap_server::run,
    )
}

/// Runs the reference LwM2M Server; triggers come as lines on stdin and, with `--http`, as
/// `POST /trigger` (see `reference::server` for the language, e.g. `read urn:dev:x /3/0/0`).
impl ReferenceServerArgs {
    /// The LwM2M Server this command line describes; Err names an unknown `--fault` or
    /// `--variant`.
    pub fn config(self) -> Result<crate::reference::server::ServerConfig, String> {
        use crate::reference::server::{Fault, ServerConfig, Variant};
        Ok(ServerConfig {
            listen: self.listen,
            http: self.http,
            faults: Fault::parse_all(&self.fault)?,
            variants: Variant::parse_all(&self.variant)?,
        })
    }
}

pub fn reference_server(a: ReferenceServerArgs) -> ExitCode {
    block_on_reference("reference server", a.config(), crate::reference::server::run)
}
