//! DUT profiles (`duts/*.yaml`): how to start or reach a device under test, what it supports
//! (its implementation conformance statement), and how long it may take.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use super::duration::de_duration;
use super::model::Role;

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
    pub lwm2m_version: super::version::LwM2mVersion,
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

impl Stop {
    /// What the transcript says the harness did.
    pub fn describe(&self) -> String {
        match (self.signal, &self.stdin, self.close_stdin) {
            (_, Some(line), _) => format!("the line `{line}` on its stdin"),
            (_, None, true) => "closing its stdin".into(),
            (s, None, false) => s.unwrap_or(StopSignal::Term).name().into(),
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

/// How long the DUT may take; a key the profile leaves out takes its default.
// The defaults are written in one place, `Timing::default`; the schema states them from there.
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(transform = timing_defaults)]
pub struct Timing {
    /// How long the DUT may take to answer a request or send the next message of an exchange.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "super::duration::Wait")]
    pub response_timeout: Duration,
    /// How long silence must last to count as "the DUT sent nothing".
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "super::duration::Wait")]
    pub quiet_window: Duration,
    /// How long a freshly started DUT may take to send its first message.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "super::duration::Wait")]
    pub startup_timeout: Duration,
    /// The DUT's Client Hold Off Time (Security Object resource 11 of its factory
    /// Bootstrap-Server Account, LwM2M TS 1.0.2 Appendix E.1): how long a client waits before
    /// each Client Initiated Bootstrap. Cases add it (`startup + hold_off`) to windows that wait
    /// for a Bootstrap-Request; 0 when the profile does not say.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "super::duration::Wait")]
    pub client_hold_off_time: Duration,
    /// The least time between two lines the harness writes to the DUT's stdin (launch `stdin`
    /// lines, stdin triggers, a stdin stop). A console that reads stdin with one `read()` per
    /// command and takes only the first line of what it got needs it; 0 (default) writes each
    /// line as soon as it is due.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "super::duration::Wait")]
    pub stdin_interval: Duration,
}

impl Timing {
    /// How long a step's `within` lasts against this profile: the one place a symbolic wait
    /// becomes a duration (the engine and `bench` both use it).
    pub fn resolve(&self, w: super::duration::Wait) -> Duration {
        use super::duration::{Base, Wait};
        let base = |b: Base| match b {
            Base::Response => self.response_timeout,
            Base::Quiet => self.quiet_window,
            Base::Startup => self.startup_timeout,
        };
        match w {
            Wait::Fixed(d) => d,
            Wait::Response => base(Base::Response),
            Wait::Quiet => base(Base::Quiet),
            Wait::Startup => base(Base::Startup),
            Wait::PlusHoldOff(b) => base(b) + self.client_hold_off_time,
        }
    }
}

impl Default for Timing {
    /// The timing of a profile that says none: the one place the defaults are written.
    fn default() -> Self {
        Timing {
            response_timeout: Duration::from_secs(5),
            quiet_window: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(10),
            client_hold_off_time: Duration::ZERO,
            stdin_interval: Duration::ZERO,
        }
    }
}

/// The schema states each default as a profile writes it (`5s`), from [`Timing::default`].
fn timing_defaults(schema: &mut schemars::Schema) {
    let d = Timing::default();
    let defaults = [
        ("response_timeout", d.response_timeout),
        ("quiet_window", d.quiet_window),
        ("startup_timeout", d.startup_timeout),
        ("client_hold_off_time", d.client_hold_off_time),
        ("stdin_interval", d.stdin_interval),
    ];
    let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for (name, value) in defaults {
        if let Some(property) = properties.get_mut(name).and_then(|p| p.as_object_mut()) {
            let written = humantime::format_duration(value).to_string();
            property.insert("default".into(), serde_json::Value::String(written));
        }
    }
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
    /// Every launch the profile has (one per start), to change them all alike.
    pub fn launches_mut(&mut self) -> impl Iterator<Item = &mut Launch> {
        [
            &mut self.launch,
            &mut self.bootstrap_launch,
            &mut self.server_initiated_launch,
            &mut self.server_and_bootstrap_launch,
        ]
        .into_iter()
        .flatten()
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
    pub fn launch_for(&self, start: super::model::Start) -> Option<&Launch> {
        use super::model::Start;
        match start {
            Start::Server => self.launch.as_ref(),
            Start::Bootstrap => self.bootstrap_launch.as_ref(),
            Start::ServerInitiatedBootstrap => self.server_initiated_launch.as_ref(),
            Start::ServerAndBootstrap => self.server_and_bootstrap_launch.as_ref(),
        }
    }

    /// The built-in reference DUT of a role (its `duts/reference-*.yaml`, compiled in),
    /// optionally with faults (see `reference_profiles`).
    pub fn reference(role: Role, faults: &[String]) -> Result<Profile, super::LoadError> {
        super::reference_profiles::reference(role, faults)
    }

    /// The built-in reference DUT of a role taking one conformant variant (`--variant`), with
    /// the profile that variant declares (e.g. `no-tlv` lists no TLV in `content_formats`).
    pub fn reference_variant(role: Role, variant: &str) -> Result<Profile, super::LoadError> {
        super::reference_profiles::reference_variant(role, variant)
    }

    /// An attached DUT is reached at a fixed loopback address: which one depends on the role.
    fn validate_attach(&self, a: &Attach) -> Result<(), String> {
        let (key, addr, other) = match self.role {
            Role::Client => ("server_bind", a.server_bind, a.dut_address.map(|_| "dut_address")),
            _ => ("dut_address", a.dut_address, a.server_bind.map(|_| "server_bind")),
        };
        if let Some(other) = other {
            return Err(format!(
                "attach.{other}: not for a {} DUT (give attach.{key})",
                self.role.as_str()
            ));
        }
        let Some(addr) = addr else {
            return Err(format!("attach.{key}: required for a {} DUT", self.role.as_str()));
        };
        if !addr.ip().is_loopback() {
            return Err(format!(
                "attach.{key}: {addr} is not a loopback address; the harness only uses loopback"
            ));
        }
        if let Some((op, _)) = self.triggers.iter().find(|(_, t)| t.stdin.is_some()) {
            return Err(format!(
                "triggers.{op}: a stdin trigger needs a DUT the harness launches; an attached one takes `shell` or `http`"
            ));
        }
        Ok(())
    }

    /// Every `{placeholder}` of the profile's templates must be one the harness fills, and every
    /// trigger must name an operation a case can trigger.
    fn validate_templates(&self) -> Result<(), String> {
        let role = self.role;
        // `{server_uri}`, `{client_host}`, `{dut_port}`, ...: an endpoint of the trial.
        let endpoint = |name: &str| {
            name.rsplit_once('_').is_some_and(|(ep, part)| {
                ["host", "port", "uri"].contains(&part)
                    && (super::names::endpoint_allowed(role, ep) || ep == "dut" || ep == "client")
            })
        };
        let check = |field: String, template: &str, extra: &[&str]| -> Result<(), String> {
            for name in super::names::placeholders(template) {
                if !(extra.contains(&name) || endpoint(name)) {
                    return Err(format!(
                        "{field}: unknown placeholder `{{{name}}}` (known: {}, and {{NAME_host}}, {{NAME_port}}, {{NAME_uri}} of the trial's endpoints)",
                        extra.join(", ")
                    ));
                }
            }
            Ok(())
        };
        for name in super::names::placeholders(&self.endpoint) {
            if !["case", "pid"].contains(&name) {
                return Err(format!("endpoint: unknown placeholder `{{{name}}}` (known: case, pid)"));
            }
        }
        const LAUNCH: &[&str] = &["exe", "endpoint", "case", "dut_args"];
        let launches = [
            ("launch", &self.launch),
            ("bootstrap_launch", &self.bootstrap_launch),
            ("server_initiated_launch", &self.server_initiated_launch),
            ("server_and_bootstrap_launch", &self.server_and_bootstrap_launch),
        ];
        for (key, launch) in launches {
            let Some(l) = launch else { continue };
            for t in l.command.iter().chain(&l.shell) {
                check(key.to_string(), t, LAUNCH)?;
            }
            for (var, t) in &l.env {
                check(format!("{key}.env.{var}"), t, LAUNCH)?;
            }
            for (i, t) in l.stdin.iter().enumerate() {
                check(format!("{key}.stdin[{i}]"), t, LAUNCH)?;
            }
        }
        let mut trigger: Vec<&str> = super::names::TRIGGER_PLACEHOLDERS
            .iter()
            .chain(super::names::ATTRIBUTE_PLACEHOLDERS)
            .copied()
            .collect();
        for (i, c) in self.captures.iter().enumerate() {
            let field = format!("captures[{i}]");
            check(format!("{field}.pattern"), &c.pattern, LAUNCH)?;
            let taken = trigger.contains(&c.name.as_str()) || LAUNCH.contains(&c.name.as_str()) || endpoint(&c.name);
            let word = !c.name.is_empty() && c.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if taken || !word {
                return Err(format!(
                    "{field}.as: `{}` must be a new name of letters, digits and `_` (not one the harness fills)",
                    c.name
                ));
            }
            if self.captures[..i].iter().any(|o| o.name == c.name) {
                return Err(format!("{field}.as: `{}` is captured twice", c.name));
            }
            trigger.push(&c.name);
        }
        for (op, t) in &self.triggers {
            if !super::names::TRIGGER_OPERATIONS.iter().any(|o| o.keyword() == op) {
                let known: Vec<&str> = super::names::TRIGGER_OPERATIONS.iter().map(|o| o.keyword()).collect();
                return Err(format!(
                    "triggers: unknown trigger `{op}` (known: {})",
                    known.join(", ")
                ));
            }
            for template in t.templates() {
                check(format!("triggers.{op}"), template, &trigger)?;
            }
        }
        Ok(())
    }

    /// Captures and stdin stops need a process the harness started; a pattern must compile with
    /// exactly one capture group; a stop is one of the three ways.
    fn validate_console(&self) -> Result<(), String> {
        for (i, c) in self.captures.iter().enumerate() {
            let field = format!("captures[{i}].pattern");
            // Placeholders stand for literal text: any will do to see whether the rest compiles.
            let mut vars = super::Vars::default();
            for name in super::names::placeholders(&c.pattern) {
                vars.set(name, "x");
            }
            let re = vars
                .render(&c.pattern)
                .and_then(|p| regex::Regex::new(&p).map_err(|e| e.to_string()))
                .map_err(|e| format!("{field}: {e}"))?;
            if re.captures_len() != 2 {
                return Err(format!(
                    "{field}: needs exactly one capture group `( )` (it has {}); write others as `(?: )`",
                    re.captures_len() - 1
                ));
            }
        }
        let s = &self.stop;
        let ways = usize::from(s.signal.is_some()) + usize::from(s.stdin.is_some()) + usize::from(s.close_stdin);
        if ways > 1 {
            return Err("stop: give one of signal, stdin, close_stdin".into());
        }
        if self.attach.is_some() {
            if !self.captures.is_empty() {
                return Err(
                    "captures: need a DUT the harness launches (an attached one's output is not the harness's to read)"
                        .into(),
                );
            }
            if ways > 0 {
                return Err("stop: an attached DUT is not stopped by the harness".into());
            }
        }
        Ok(())
    }

    /// Check what serde cannot: exactly one of launch/attach, and a usable launch.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.launch, &self.attach) {
            (Some(_), Some(_)) => return Err("launch and attach: give one, not both".into()),
            (None, None) => return Err("launch or attach: one is required".into()),
            _ => {}
        }
        if let Some(l) = &self.launch
            && l.command.is_empty() == l.shell.is_none()
        {
            return Err("launch: give either command (a list) or shell (a string)".into());
        }
        if let Some(a) = &self.attach {
            self.validate_attach(a)?;
        }
        for (op, t) in &self.triggers {
            if let Some(why) = t.http.as_ref().and_then(|h| super::loopback::not_loopback(&h.url)) {
                return Err(format!("triggers.{op}.http.url: {why}"));
            }
        }
        self.validate_templates()?;
        self.validate_console()?;
        if let Some(b) = self.binds
            && !(b.ip().is_loopback() || b.ip().is_unspecified())
        {
            return Err(format!(
                "binds: {b} is neither a loopback nor the wildcard address; the harness only uses loopback"
            ));
        }
        for f in &self.features {
            if super::feature::get(f).is_none() {
                return Err(format!("features: {}", super::feature::unknown(f)));
            }
            if f == super::feature::LWM2M_1_1 && self.lwm2m_version < super::LwM2mVersion::V1_1 {
                return Err(format!(
                    "features: `{f}` declares the LwM2M 1.1 mechanisms; the profile must also say `lwm2m_version: \"1.1\"`"
                ));
            }
        }
        for f in &self.content_formats {
            if crate::lwm2m::ContentFormat::from_name(f).is_none() {
                return Err(format!("content_formats: unknown format `{f}`"));
            }
        }
        Ok(())
    }
}
