//! DUT profiles (`duts/*.yaml`): how to start or reach a device under test, what it supports
//! (its implementation conformance statement), and how long it may take.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;

use crate::case::model::Start;
use crate::lwm2m::Role;
use crate::lwm2m::version::LwM2mVersion;
use crate::timing::Timing;

/// A device under test: its role, how to start or reach it, what it supports and its timings.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The JSON Schema editors validate the file with (`testcases/schemas/profile.schema.json`).
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// The DUT's name in reports and result files.
    pub name: String,
    /// What the DUT is (product, version), shown in the checklist's header.
    #[serde(default)]
    pub description: Option<String>,
    /// The LwM2M role the DUT plays; cases of this role run against it.
    pub role: Role,
    /// How each trial starts a fresh instance (preferred: trials then run in parallel).
    #[serde(default)]
    pub launch: Option<Launch>,
    /// How to start it for Client Initiated Bootstrap (cases with `start: bootstrap`): configured
    /// with the harness's Bootstrap-Server only ({bootstrap_host} {bootstrap_port} {bootstrap_uri}).
    #[serde(default)]
    pub bootstrap_launch: Option<Launch>,
    /// How to start it for Server Initiated Bootstrap (`start: server-initiated-bootstrap`):
    /// registered with {server_*}, holding a Bootstrap-Server account for {bootstrap_*}, and
    /// listening on {client_host}:{client_port} so the Bootstrap-Server can reach it.
    #[serde(default)]
    pub server_initiated_launch: Option<Launch>,
    /// How to start it configured with both {server_*} (where it registers first) and a
    /// Bootstrap-Server Account for {bootstrap_*} that it may use for a Client Initiated
    /// Bootstrap later (`start: server-and-bootstrap`).
    #[serde(default)]
    pub server_and_bootstrap_launch: Option<Launch>,
    /// Where a launched DUT binds its own UDP socket when it does not take the address from a
    /// placeholder: the wildcard address (`0.0.0.0:56830`, `[::]:5683`) or a fixed loopback
    /// address. The harness then tells it {dut_host}/{client_host} = 127.0.0.1 (::1 for `[::]`)
    /// and that port, binds none of its own sockets on the port, and, when the port is fixed
    /// (not 0), runs its trials one at a time, as every instance takes the same port.
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub binds: Option<SocketAddr>,
    /// An already-running DUT: trials run one at a time against it.
    #[serde(default)]
    pub attach: Option<Attach>,
    /// Endpoint Client Name template; `{case}` is the case id, `{pid}` the harness's process id.
    #[serde(default = "default_endpoint")]
    pub endpoint: String,
    /// Optional features the DUT supports; cases `needs:` them.
    #[serde(default)]
    pub features: Vec<String>,
    /// The LwM2M version the DUT implements in its role ("1.0" or "1.1"; default "1.0"). Rules
    /// that differ between versions judge it by its own: a case or an `each_request` rule with
    /// `versions` not naming it is skipped. The optional 1.1 mechanisms are features of their own
    /// (`features`; `lwm2m-1.1` declares them all).
    #[serde(default)]
    pub lwm2m_version: LwM2mVersion,
    /// Content formats the DUT can produce, most preferred first (names as in testcases/README.md).
    #[serde(default = "default_formats")]
    pub content_formats: Vec<String>,
    /// How long the DUT may take to start, answer and stay quiet.
    #[serde(default)]
    pub timing: Timing,
    /// Server DUTs: how to make the server perform an operation on a registered client (`trigger`
    /// steps). Key: the operation (read, write, execute, observe, ...). A case whose trigger the
    /// profile lacks is skipped with that reason.
    #[serde(default)]
    pub triggers: BTreeMap<String, TriggerSpec>,
    /// Values a launched DUT prints that trigger templates use (a console's client number for
    /// the harness's endpoint, say): each pattern is searched in what the DUT wrote to `from`,
    /// and its capture group becomes `{as}`. A trigger that uses it waits (within the response
    /// timeout) until the DUT has printed it.
    #[serde(default)]
    pub captures: Vec<ConsoleCapture>,
    /// How the harness asks a launched DUT to stop (a `stop_dut` step, a restart, the end of
    /// every trial): a signal (default SIGTERM), a line on its stdin, or closing its stdin. The
    /// DUT then has 2 s to exit (and De-register) before it is killed.
    #[serde(default)]
    pub stop: Stop,
    /// Cases expected to fail, with the reason: they run, show as expected failures, and an
    /// unexpected pass is reported.
    #[serde(default)]
    pub known_failures: BTreeMap<String, String>,
    /// A built-in reference profile (not from a file): cases of another role then run against the
    /// reference DUT of their own role.
    #[serde(skip)]
    pub builtin: bool,
}

/// How to start one instance of the DUT as a process; `command` or `shell`.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Launch {
    /// Program and arguments (no shell), each a template: {exe} {server_host} {server_port}
    /// {server_uri} {endpoint} {case}.
    #[serde(default)]
    pub command: Vec<String>,
    /// Alternatively one shell line run with `sh -c` (same placeholders).
    #[serde(default)]
    pub shell: Option<String>,
    /// Extra environment variables (templated).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory, relative to the profile file.
    #[serde(default)]
    pub workdir: Option<String>,
    /// Lines written to the DUT's stdin right after it starts, in order, paced by
    /// `timing.stdin_interval` (a console that wants `boot {server_uri}` before it does
    /// anything). Templated like `command`.
    #[serde(default)]
    pub stdin: Vec<String>,
}

/// One value read from a launched DUT's console.
#[derive(Clone, Debug, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsoleCapture {
    /// The stream to search.
    pub from: Stream,
    /// A regular expression (Rust `regex` syntax) with exactly one capture group, searched in the
    /// last 64 KiB the DUT wrote (so it may span lines: `\s+` matches a line break). It may use
    /// the launch placeholders ({endpoint}, {case}, {dut_port}, ...), inserted literally; write a
    /// repetition count as `{{2}}`. When it matches again later (the DUT registered the client
    /// anew), the newest match counts.
    pub pattern: String,
    /// The placeholder the captured text becomes in trigger templates.
    #[serde(rename = "as")]
    pub name: String,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
/// One of a launched DUT's output streams.
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// How to stop a launched DUT; exactly one of the three (none given: SIGTERM).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Stop {
    /// A signal to the DUT's process group (and every process it started).
    #[serde(default)]
    pub signal: Option<StopSignal>,
    /// A line written to its stdin (a console's `quit`).
    #[serde(default)]
    pub stdin: Option<String>,
    /// Close its stdin (a program that ends at end of input).
    #[serde(default)]
    pub close_stdin: bool,
}

/// The signals a DUT can be asked to stop with (each is forwarded by its guard as is).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, schemars::JsonSchema)]
pub enum StopSignal {
    /// SIGTERM, the default.
    #[serde(rename = "SIGTERM")]
    Term,
    /// SIGINT, as Ctrl-C at a console.
    #[serde(rename = "SIGINT")]
    Int,
    /// SIGHUP.
    #[serde(rename = "SIGHUP")]
    Hup,
    /// SIGQUIT.
    #[serde(rename = "SIGQUIT")]
    Quit,
}

/// The one way a [`Stop`] asks the DUT to stop ([`Stop::way`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopWay<'a> {
    /// Write this line to its stdin.
    Line(&'a str),
    /// Close its stdin.
    CloseStdin,
    /// Send it this signal.
    Signal(StopSignal),
}

impl Stop {
    /// How the harness stops the DUT: the stdin line if there is one, else closing stdin if asked,
    /// else the signal (SIGTERM when none is named). The launched process, its simulation and the
    /// transcript all take it from here.
    pub fn way(&self) -> StopWay<'_> {
        match (&self.stdin, self.close_stdin) {
            (Some(line), _) => StopWay::Line(line),
            (None, true) => StopWay::CloseStdin,
            (None, false) => StopWay::Signal(self.signal.unwrap_or(StopSignal::Term)),
        }
    }

    /// What the transcript says the harness did.
    pub fn describe(&self) -> String {
        match self.way() {
            StopWay::Line(line) => format!("the line `{line}` on its stdin"),
            StopWay::CloseStdin => "closing its stdin".into(),
            StopWay::Signal(s) => s.name().into(),
        }
    }
}

impl StopSignal {
    /// The signal's conventional name, `SIGTERM`, as profiles write it.
    pub fn name(self) -> &'static str {
        match self {
            StopSignal::Term => "SIGTERM",
            StopSignal::Int => "SIGINT",
            StopSignal::Hup => "SIGHUP",
            StopSignal::Quit => "SIGQUIT",
        }
    }
}

/// One way to make a server DUT act. Templates see {endpoint} {path} {value} {attributes} and every
/// launch placeholder ({dut_host}, {dut_port}, ...). Exactly one of the three.
#[derive(Clone, Debug, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TriggerSpec {
    /// A line written to the DUT's standard input (a newline is added). A template of several
    /// lines (YAML `|`) is written line by line, paced by `timing.stdin_interval`: a console
    /// that sets periods and thresholds with two commands sends two Write-Attributes, which the
    /// cases accept.
    #[serde(default)]
    pub stdin: Option<String>,
    /// A shell command run with `sh -c` in the profile's folder (bounded by the response timeout).
    #[serde(default)]
    pub shell: Option<String>,
    /// An HTTP request to a loopback address (e.g. the server's REST API).
    #[serde(default)]
    pub http: Option<HttpTrigger>,
}

impl TriggerSpec {
    /// Every template of the trigger: the stdin line, the shell command, the HTTP URL and body.
    pub fn templates(&self) -> impl Iterator<Item = &str> {
        let http = self.http.iter().flat_map(|h| std::iter::once(&h.url).chain(&h.body));
        self.stdin.iter().chain(&self.shell).chain(http).map(String::as_str)
    }
}

/// An HTTP request that makes a server DUT act, sent to its loopback API.
#[derive(Clone, Debug, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpTrigger {
    /// The HTTP method (default POST).
    #[serde(default = "post")]
    pub method: String,
    /// `http://127.0.0.1:8080/api/clients/{endpoint}{path}` (loopback only).
    pub url: String,
    /// The request body (templated); none by default.
    #[serde(default)]
    pub body: Option<String>,
    /// The body's Content-Type header (default `application/json`).
    #[serde(default)]
    pub content_type: Option<String>,
}

fn post() -> String {
    "POST".into()
}

/// How to reach a DUT that is already running (the harness neither starts nor stops it).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attach {
    /// For a client DUT: the loopback address it is configured to use as its LwM2M Server; the
    /// harness binds it.
    #[serde(default)]
    pub server_bind: Option<SocketAddr>,
    /// For a server or Bootstrap-Server DUT: the loopback address where the running server
    /// listens for CoAP; the harness's clients send to it. Its triggers must be `shell` or
    /// `http` (there is no stdin of a process the harness did not start).
    #[serde(default)]
    pub dut_address: Option<SocketAddr>,
    /// The Endpoint Client Name the running client uses.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// The launch fields of a [`Profile`] (`&p.field`, or `&mut p.field` given `mut`), each with the
/// start mode it serves and its key in the file: the one list of them.
macro_rules! launch_fields {
    ($p:expr $(, $m:tt)?) => {
        [
            (Start::Server, "launch", &$($m)? $p.launch),
            (Start::Bootstrap, "bootstrap_launch", &$($m)? $p.bootstrap_launch),
            (Start::ServerInitiatedBootstrap, "server_initiated_launch", &$($m)? $p.server_initiated_launch),
            (Start::ServerAndBootstrap, "server_and_bootstrap_launch", &$($m)? $p.server_and_bootstrap_launch),
        ]
    };
}

/// Where a launch template takes the per-run arguments (`--dut-arg`).
const DUT_ARGS: &str = "{dut_args}";

fn default_endpoint() -> String {
    "urn:dev:lwm2m-conformance:{case}".into()
}
fn default_formats() -> Vec<String> {
    vec!["tlv".into()]
}

impl Profile {
    /// The four launches, in this order, each with the start mode it serves and its key in the
    /// profile file (what messages about it name).
    pub fn launches(&self) -> [(Start, &'static str, Option<&Launch>); 4] {
        launch_fields!(self).map(|(start, key, launch)| (start, key, launch.as_ref()))
    }

    /// Every launch the profile has (one per start, in the order of [`Profile::launches`]), to
    /// change them all alike.
    pub fn launches_mut(&mut self) -> impl Iterator<Item = &mut Launch> {
        launch_fields!(self, mut)
            .into_iter()
            .filter_map(|(_, _, launch)| launch.as_mut())
    }

    /// Per-run additions to every launch without editing the profile (`--dut-arg`,
    /// `LWM2M_DUT_ARGS`, `--dut-env`): each argument goes where a launch says `{dut_args}` (a
    /// `command` item of its own, or inside a `shell` line, shell-quoted), else at the end; each
    /// variable joins the launch's `env`. Both are taken literally, not as templates.
    pub fn with_run_additions(mut self, args: &[String], env: &[(String, String)]) -> Result<Profile, String> {
        let literal = |s: &str| s.replace('{', "{{").replace('}', "}}");
        let quoted = args
            .iter()
            .map(|a| shlex::try_quote(a).map(|q| literal(&q)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("--dut-arg: {e}"))?
            .join(" ");
        for launch in self.launches_mut() {
            if let Some(line) = &mut launch.shell {
                *line = match line.contains(DUT_ARGS) {
                    true => line.replace(DUT_ARGS, &quoted),
                    false if quoted.is_empty() => line.clone(),
                    false => format!("{line} {quoted}"),
                };
            }
            let at = launch.command.iter().position(|c| c == DUT_ARGS);
            let added = args.iter().map(|a| literal(a));
            match at {
                Some(i) => {
                    launch.command.splice(i..=i, added);
                }
                None if !launch.command.is_empty() => launch.command.extend(added),
                None => {}
            }
            for (k, v) in env {
                launch.env.insert(k.clone(), literal(v));
            }
        }
        Ok(self)
    }

    /// Trials can run in parallel only when each gets its own DUT instance.
    pub fn parallel(&self) -> bool {
        self.launch.is_some() && self.fixed_port().is_none()
    }

    /// The port a DUT with `binds` always takes (none for an ephemeral port): the harness keeps
    /// off it.
    pub fn fixed_port(&self) -> Option<u16> {
        self.binds.map(|b| b.port()).filter(|p| *p != 0)
    }

    /// Where the harness reaches a DUT with `binds`: its address, or loopback for the wildcard.
    pub fn bound_address(&self) -> Option<SocketAddr> {
        self.binds.map(|b| match b.ip() {
            std::net::IpAddr::V4(ip) if ip.is_unspecified() => (std::net::Ipv4Addr::LOCALHOST, b.port()).into(),
            std::net::IpAddr::V6(ip) if ip.is_unspecified() => (std::net::Ipv6Addr::LOCALHOST, b.port()).into(),
            _ => b,
        })
    }

    /// The launch for a case's start mode: `launch` for the `server` start; the bootstrap starts
    /// have their own commands.
    pub fn launch_for(&self, start: Start) -> Option<&Launch> {
        self.launches()
            .into_iter()
            .find(|(s, _, _)| *s == start)
            .and_then(|(_, _, launch)| launch)
    }
}
