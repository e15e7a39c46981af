//! The test-case language (documented in testcases/README.md). Every struct rejects unknown keys
//! so a typo is an error with a position, never a silently ignored check.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::matcher::{CodeSet, FormatSet, PayloadMatcher, TextMatcher};
use super::path_matcher::PathMatcher;
use crate::coap::Code;
// Kept public for `engine/steps.rs` and `engine/send_request.rs`, which name it through here.
pub use crate::lwm2m::Operation;
use crate::lwm2m::Role;
use crate::timing::Wait;

/// How the harness configures a client DUT before the first step: which of its LwM2M Server and
/// LwM2M Bootstrap-Server endpoints the DUT knows, and so whether it begins with Register or a
/// Bootstrap-Request (TS 1.0.2 §5.2, §5.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Start {
    /// Configured with the harness's LwM2M Server only: the DUT begins by registering.
    #[default]
    Server,
    /// Configured with the harness's Bootstrap-Server only: the DUT begins with a Client Initiated
    /// Bootstrap (Bootstrap-Request).
    Bootstrap,
    /// Registered with the LwM2M Server and listening where the Bootstrap-Server can reach it, which
    /// then starts a Server Initiated Bootstrap.
    ServerInitiatedBootstrap,
    /// Configured with the LwM2M Server and a Bootstrap-Server Account it may use for a Client
    /// Initiated Bootstrap later (e.g. when an LwM2M Server executes the Bootstrap-Request
    /// Trigger): it registers first.
    ServerAndBootstrap,
}

impl Start {
    /// The kebab-case spelling used in case files and result output.
    pub fn as_str(self) -> &'static str {
        match self {
            Start::Server => "server",
            Start::Bootstrap => "bootstrap",
            Start::ServerInitiatedBootstrap => "server-initiated-bootstrap",
            Start::ServerAndBootstrap => "server-and-bootstrap",
        }
    }
}

impl Case {
    /// The harness endpoints the case uses: `server` always, `bootstrap` when the DUT starts in
    /// a bootstrap mode, and every name a step sends from (`via`) or expects at (`at`).
    pub fn endpoints(&self) -> Vec<String> {
        // The harness's primary endpoint: the LwM2M Server for a client DUT, the LwM2M Client for
        // a server or bootstrap-server DUT.
        let mut names = vec![if self.dut == Role::Client { "server" } else { "client" }.to_string()];
        if self.start != Start::Server && self.dut == Role::Client {
            names.push("bootstrap".into());
        }
        for s in &self.steps {
            let name = match s {
                Step::Expect(e) => e.at.clone(),
                Step::Send(s) => s.via.clone(),
                _ => None,
            };
            if let Some(n) = name
                && !names.contains(&n)
            {
                names.push(n);
            }
        }
        names
    }
}

/// One conformance test case as read from YAML: the DUT role, the requirements it judges, the
/// harness's routine behaviour and the ordered steps of the dialogue.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The JSON Schema the file declares for editors (`$schema`); ignored by the harness.
    #[serde(rename = "$schema", default)]
    pub schema: Option<String>,
    /// Stable identifier, also the name of the case's pcap and result file.
    pub id: String,
    /// One-line summary shown in reports and the checklist.
    pub title: String,
    /// What the case checks and how, in prose, for the reader of the report.
    #[serde(default)]
    pub description: Option<String>,
    /// The role of the device under test.
    pub dut: Role,
    /// Catalogue IDs this case judges; a failure cites them.
    pub requirements: Vec<String>,
    /// The OMA Enabler Test Specification case this one corresponds to, if any.
    #[serde(default)]
    pub ets: Option<String>,
    /// Features the DUT profile must declare, else the case is skipped.
    #[serde(default)]
    pub needs: Vec<String>,
    /// The LwM2M versions whose rules this case judges (default: every version); a DUT whose
    /// profile declares another `lwm2m_version` skips it.
    #[serde(default)]
    pub versions: Vec<crate::lwm2m::LwM2mVersion>,
    /// The reference-DUT fault this case exists to detect (`--fault <id>`).
    pub catches: String,
    /// How the case reads an ambiguous sentence, shown with its verdict.
    #[serde(default)]
    pub reading: Option<String>,
    /// Requests the harness answers by itself as they arrive (the simulated peer's routine
    /// behaviour, e.g. 2.04 to every Bootstrap Write), whether or not a step also expects them.
    #[serde(default)]
    pub auto_respond: Vec<AutoRespond>,
    /// Rules every request of the DUT must keep, checked as each arrives: a request with the
    /// rule's method whose path does not match fails the case at once (e.g. every Bootstrap
    /// Delete targets "/" or an Object Instance).
    #[serde(default)]
    pub each_request: Vec<RequestRule>,
    /// How the DUT is started: `server` (default: configured with the harness's LwM2M Server),
    /// `bootstrap` (configured only with the harness's Bootstrap-Server: Client Initiated
    /// Bootstrap), `server-initiated-bootstrap` (registered with the LwM2M Server and listening
    /// where the Bootstrap-Server can reach it) or `server-and-bootstrap` (registered with the
    /// LwM2M Server, holding a Bootstrap-Server Account it may initiate a bootstrap with).
    #[serde(default)]
    pub start: Start,
    /// The dialogue with the DUT, run in order; the case passes when every step holds.
    pub steps: Vec<Step>,
}

/// One step. Written as a one-key map: `- expect: {...}`.
#[derive(Clone, Debug)]
pub enum Step {
    /// Wait for a request from the DUT. It stays unanswered until a `respond` step.
    Expect(ExpectRequest),
    /// Answer a request taken by an earlier `expect`.
    Respond(Respond),
    /// Send a request to the DUT (Device Management or Information Reporting operation).
    Send(SendRequest),
    /// Wait for the response to a request sent by an earlier `send`.
    ExpectResponse(ExpectResponse),
    /// Wait for a notification of an observation started by an earlier `send: {operation: observe}`.
    ExpectNotification(ExpectResponse),
    /// Require that nothing of the given kind arrives within a window.
    ExpectNone(ExpectNone),
    /// Stop the DUT (SIGTERM to its process group) and continue with the same sockets.
    StopDut(DutControl),
    /// Stop the DUT and start a fresh instance of it.
    RestartDut(DutControl),
    /// Make a server DUT perform an operation, through the profile's `triggers`.
    Trigger(Trigger),
    /// Wait for the DUT to try an unanswered request again: a CoAP retransmission (same
    /// Message ID) or a new request with the same method and path.
    ExpectRetry(ExpectRetry),
    /// Send a CoAP retransmission of an earlier `send` (same bytes: Message ID and token), as a
    /// peer does when it has not heard the ACK (server DUTs: a retransmitted Register).
    Retransmit(Retransmit),
    /// Send a notification of an observation the DUT made (server DUTs), and, when it is
    /// Confirmable, wait for the DUT's ACK.
    Notify(Notify),
}

/// A notification (RFC 7641 §4.2) the harness sends as the observed LwM2M Client, answering an
/// Observe request taken by an earlier `expect`; lets a server DUT's handling of Notify be judged.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a failure of this step violates (default: the case's first).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A set-up step: if it fails, the DUT never reached the point under test, so the verdict is
    /// inconclusive rather than fail.
    #[serde(default)]
    pub setup: bool,
    /// The Observe request taken by an earlier `expect` (its `as` name); default: the latest.
    #[serde(default)]
    pub to: Option<String>,
    /// The notification's response code (default `2.05` Content).
    #[serde(default = "content")]
    pub code: Code,
    /// The Observe option: a sequence number above the ones sent before (RFC 7641 §4.4).
    pub observe: u32,
    /// Content-Format of the payload, by name (e.g. `text`, `tlv`, `senml-json`); default: none.
    #[serde(default)]
    pub content_format: Option<String>,
    /// The notification's payload (templated).
    #[serde(default)]
    pub payload: Option<String>,
    /// Confirmable (default): the DUT must acknowledge it; an RST (which cancels the
    /// observation, RFC 7641 §3.6) or no answer fails.
    #[serde(default = "yes")]
    pub confirmable: bool,
    /// How long to wait for the DUT's ACK of a Confirmable notification (default: the response timeout).
    #[serde(default = "default_response")]
    pub within: Wait,
}

fn content() -> Code {
    Code::CONTENT
}

/// Which earlier `send` a `retransmit` step repeats.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retransmit {
    /// The earlier `send` (its `as` name); default: the latest.
    #[serde(default)]
    pub of: Option<String>,
}

/// Waits for the DUT to repeat a request it got no answer to: a CoAP retransmission of the same
/// Confirmable message (RFC 7252 §4.2) or a new request for the same method and path.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectRetry {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a failure of this step violates (default: the case's first).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A set-up step: if it fails, the DUT never reached the point under test, so the verdict is
    /// inconclusive rather than fail.
    #[serde(default)]
    pub setup: bool,
    /// The request taken by an earlier `expect` (its `as` name); default: the latest.
    #[serde(default)]
    pub of: Option<String>,
    /// How long the DUT has to try again (default: the response timeout); include the CoAP
    /// back-off (ACK_TIMEOUT, doubled per attempt) when judging retransmission.
    #[serde(default = "default_response")]
    pub within: Wait,
}

/// A routine answer the harness gives to every matching request from the DUT as it arrives, so
/// steps need not spell out each Bootstrap Write or Update the peer would simply acknowledge.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoRespond {
    /// The CoAP method of the requests to answer (GET, POST, PUT, DELETE).
    pub method: Code,
    /// A path prefix (`/0`, `/`); default: every path.
    #[serde(default)]
    pub path: Option<String>,
    /// The response code to answer with, e.g. `2.04` Changed.
    pub code: Code,
    /// Content-Format of the answer's payload, by name; default: none.
    #[serde(default)]
    pub content_format: Option<String>,
    /// The answer's payload (templated).
    #[serde(default)]
    pub payload: Option<String>,
    /// Hold the answer this long after the request arrives (`500ms`, `quiet`, ...) instead of
    /// answering at once, so a DUT that does not wait for it shows (default: at once).
    #[serde(default)]
    pub delay: Option<Wait>,
}

/// `each_request: [{method: DELETE, path: {targets: [root, instance]}}]`: every request with
/// `method` must have a Uri-Path that `path` accepts.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestRule {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a violation breaks (default: all of the case's).
    #[serde(default)]
    pub requirement: Option<String>,
    /// The LwM2M versions the rule holds in (default: every version): the DUT profile's
    /// `lwm2m_version` picks which of a case's rules apply, e.g. one rule per reading.
    #[serde(default)]
    pub versions: Vec<crate::lwm2m::LwM2mVersion>,
    /// The requests the rule is about.
    pub method: Code,
    /// Only requests whose Observe option this accepts (e.g. `present`: Observe and Cancel
    /// Observation); default: every request with `method`.
    #[serde(default)]
    pub observe: Option<TextMatcher>,
    /// What each of their paths must be.
    pub path: PathMatcher,
}

/// `- trigger: {operation: read, path: /3/0/0}`: rendered with the profile's trigger template.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// The profile's trigger name: read, write, execute, observe, ... (any key of `triggers`).
    pub operation: String,
    /// The LwM2M path the server DUT is asked to act on (`{path}` in the template).
    #[serde(default)]
    pub path: String,
    /// `{value}` in the template.
    #[serde(default)]
    pub value: String,
    /// `{attributes}` in the template, e.g. `pmin=1&pmax=5`.
    #[serde(default)]
    pub attributes: String,
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
}

const STEP_KINDS: &[&str] = &[
    "expect",
    "respond",
    "send",
    "expect_response",
    "expect_notification",
    "trigger",
    "expect_retry",
    "retransmit",
    "notify",
    "expect_none",
    "stop_dut",
    "restart_dut",
];

/// A step is written as a one-key map (`- expect: {...}`). serde_yaml 0.9 reads externally tagged
/// enums only from `!tag` syntax, so the map is read by hand; doing it inside the map visitor keeps
/// serde_yaml's position and field path (`steps[3]`) on every error.
impl<'de> Deserialize<'de> for Step {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Step, D::Error> {
        d.deserialize_map(StepVisitor)
    }
}

struct StepVisitor;

impl<'de> serde::de::Visitor<'de> for StepVisitor {
    type Value = Step;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "a one-key map naming the step kind ({})", STEP_KINDS.join(", "))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Step, A::Error> {
        use serde::de::Error;
        let Some(kind) = map.next_key::<String>()? else {
            return Err(A::Error::custom(format!(
                "a step needs one of: {}",
                STEP_KINDS.join(", ")
            )));
        };
        // `- stop_dut:` with no value is as good as `- stop_dut: {}`.
        let control = |v: Option<DutControl>| v.unwrap_or_default();
        let step = match kind.as_str() {
            "expect" => Step::Expect(map.next_value()?),
            "respond" => Step::Respond(map.next_value()?),
            "send" => Step::Send(map.next_value()?),
            "expect_response" => Step::ExpectResponse(map.next_value()?),
            "expect_notification" => Step::ExpectNotification(map.next_value()?),
            "expect_none" => Step::ExpectNone(map.next_value()?),
            "stop_dut" => Step::StopDut(control(map.next_value()?)),
            "restart_dut" => Step::RestartDut(control(map.next_value()?)),
            "trigger" => Step::Trigger(map.next_value()?),
            "expect_retry" => Step::ExpectRetry(map.next_value()?),
            "retransmit" => Step::Retransmit(map.next_value()?),
            "notify" => Step::Notify(map.next_value()?),
            other => return Err(A::Error::unknown_variant(other, STEP_KINDS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(A::Error::custom(format!(
                "a step has exactly one kind; `{extra}` is a second key next to `{kind}` (is it indented one level too little?)"
            )));
        }
        Ok(step)
    }
}

/// The fields every waiting step shares (flatten cannot be combined with deny_unknown_fields).
pub struct Meta<'a> {
    /// The step's `name`, shown in failure messages.
    pub name: Option<&'a str>,
    /// The requirement a failure of the step violates, if the step names one.
    pub requirement: Option<&'a str>,
    /// Whether a failure of the step makes the verdict inconclusive rather than fail.
    pub setup: bool,
}

impl Step {
    /// The step's key as written in YAML (`expect`, `send`, ...), for messages and transcripts.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Expect(_) => "expect",
            Step::Respond(_) => "respond",
            Step::Send(_) => "send",
            Step::ExpectResponse(_) => "expect_response",
            Step::ExpectNotification(_) => "expect_notification",
            Step::ExpectNone(_) => "expect_none",
            Step::StopDut(_) => "stop_dut",
            Step::RestartDut(_) => "restart_dut",
            Step::Trigger(_) => "trigger",
            Step::ExpectRetry(_) => "expect_retry",
            Step::Retransmit(_) => "retransmit",
            Step::Notify(_) => "notify",
        }
    }

    /// The name, requirement and set-up flag of the step; steps without them give `None`/`false`.
    pub fn meta(&self) -> Meta<'_> {
        let (name, requirement, setup) = match self {
            Step::Expect(s) => (s.name.as_deref(), s.requirement.as_deref(), s.setup),
            Step::ExpectResponse(s) | Step::ExpectNotification(s) => {
                (s.name.as_deref(), s.requirement.as_deref(), s.setup)
            }
            Step::ExpectNone(s) => (s.name.as_deref(), s.requirement.as_deref(), s.setup),
            Step::StopDut(c) | Step::RestartDut(c) => (c.name.as_deref(), None, false),
            Step::Trigger(t) => (t.name.as_deref(), None, false),
            Step::ExpectRetry(r) => (r.name.as_deref(), r.requirement.as_deref(), r.setup),
            Step::Notify(n) => (n.name.as_deref(), n.requirement.as_deref(), n.setup),
            Step::Respond(_) | Step::Send(_) | Step::Retransmit(_) => (None, None, false),
        };
        Meta {
            name,
            requirement,
            setup,
        }
    }
}

/// Waits for a request from the DUT that matches every given check (method, path, query, options,
/// payload); the request is held unanswered until a `respond` step, so ordering can be judged.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectRequest {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a failure of this step violates (default: the case's first).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A set-up step: if it fails, the DUT never reached the point under test, so the verdict is
    /// inconclusive rather than fail.
    #[serde(default)]
    pub setup: bool,
    /// CoAP method: GET, POST, PUT, DELETE.
    pub method: Code,
    /// Uri-Path: a template (`/rd`, `{location}`), `{one_of: [...]}`, or
    /// `{targets: [root, object, instance, resource, resource-instance]}`.
    pub path: PathMatcher,
    /// Uri-Query parameters; parameters not listed are not checked.
    #[serde(default)]
    pub query: BTreeMap<String, TextMatcher>,
    /// The Observe option: `0` (register an observation), `1` (cancel), `absent`, `present`.
    #[serde(default)]
    pub observe: Option<TextMatcher>,
    /// The Content-Format option: a format or a list of acceptable ones (`none`: no Content-Format).
    #[serde(default)]
    pub content_format: Option<FormatSet>,
    /// The token, as hex (templated): e.g. `"{obs_token}"` captured from the Observe, which a
    /// cancelling GET must repeat (RFC 7641 §3.6).
    #[serde(default)]
    pub token: Option<TextMatcher>,
    /// The Accept option: a format or a list of acceptable ones (`none`: no Accept option), e.g.
    /// `link-format` for a Discover (server DUTs).
    #[serde(default)]
    pub accept: Option<FormatSet>,
    /// Checks on the payload: empty or not, CoRE link-format links present or absent, or
    /// decoded resource values by path.
    #[serde(default)]
    pub payload: Option<PayloadMatcher>,
    /// Variables to capture from the request: `var: "query.lt"`, `"query.lt ?? 86400"`, `path`,
    /// `token`, `source`.
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Name to refer to this request in `respond` (default: the latest request).
    #[serde(default, rename = "as")]
    pub alias: Option<String>,
    /// The DUT must have sent this request only after the harness answered every earlier
    /// request of it that the case answers (by `auto_respond` or `respond`), e.g.
    /// Bootstrap-Finish only once every Write and Delete is answered.
    #[serde(default)]
    pub earlier_answered: bool,
    /// Ordering: the request must have arrived after the harness answered the request taken
    /// as `after` (or, if it is unanswered, after that request itself). A request that came
    /// earlier does not satisfy the step, however well it matches: "after" is judged on arrival.
    #[serde(default)]
    pub after: Option<String>,
    /// The harness endpoint the request must arrive at: `server` (default), `server2`, `bootstrap`.
    #[serde(default)]
    pub at: Option<String>,
    /// The listed `query` parameters may come spread over several requests that match every
    /// other check (e.g. a Write-Attributes sent as two PUTs): each request before the one that
    /// completes the set is answered at once with `answer`; the completing one is taken.
    #[serde(default)]
    pub query_across_requests: Option<AcrossRequests>,
    /// How long the DUT has to send the request (default: the response timeout).
    #[serde(default = "default_response")]
    pub within: Wait,
}

/// How `expect` answers the requests that carry only part of its `query` parameters.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AcrossRequests {
    /// The code each such request is answered with, e.g. `"2.04"` for a Write-Attributes.
    pub answer: Code,
}

/// The harness's answer to a request taken by an earlier `expect`, sent as a piggybacked response
/// (RFC 7252 §5.2.1).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Respond {
    /// The request to answer (its `as` name); default: the latest.
    #[serde(default)]
    pub to: Option<String>,
    /// The response code, e.g. `2.01` Created for a Register or `2.04` Changed.
    pub code: Code,
    /// Location-Path to return (templated); also sets `{location}`.
    #[serde(default)]
    pub location: Option<String>,
    /// Content-Format of the payload, by name; default: none.
    #[serde(default)]
    pub content_format: Option<String>,
    /// The response payload (templated).
    #[serde(default)]
    pub payload: Option<String>,
    /// An Observe option on the response (a client accepting an observation answers with one).
    #[serde(default)]
    pub observe: Option<u32>,
}

/// A request the harness sends to the DUT as LwM2M Server, Bootstrap-Server or (to a server DUT)
/// Client, built from the operation's mapping onto CoAP (TS 1.0.2 §8.2.2–8.2.5, each interface's
/// "Operation to Method and URI Mapping" table).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    /// The LwM2M operation to perform, which fixes the CoAP method and options.
    pub operation: Operation,
    /// The LwM2M path (`/3/0/1`, `/` for a Bootstrap Delete of everything); unused by bootstrap-finish.
    #[serde(default)]
    pub path: String,
    /// Accept option: a format name, `none`, or `preferred` (the profile's first format; default for
    /// Read and Observe).
    #[serde(default)]
    pub accept: Option<String>,
    /// Content format of the payload (Write/Create; default the profile's preferred format).
    #[serde(default)]
    pub format: Option<String>,
    /// Resource values to write: path -> value (typed from the object definition).
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Raw payload (Execute arguments, or a deliberately odd body).
    #[serde(default)]
    pub payload: Option<String>,
    /// Write-Attributes parameters: pmin, pmax, gt, lt, st.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// For cancel-observation: the observe request to cancel.
    #[serde(default)]
    pub observation: Option<String>,
    /// The harness endpoint to send from: `server` (default), `server2` or `bootstrap`.
    #[serde(default)]
    pub via: Option<String>,
    /// URI query parameters (register, update, bootstrap-request): name -> value (templated);
    /// an empty value sends the bare name.
    #[serde(default)]
    pub query: BTreeMap<String, String>,
    /// Send as a Confirmable message (default) or Non-confirmable (RFC 7252 §2.1).
    #[serde(default = "yes")]
    pub confirmable: bool,
    /// Name to refer to this request in `expect_response`, `retransmit` or `cancel-observation`
    /// (default: the latest request).
    #[serde(default, rename = "as")]
    pub alias: Option<String>,
}

/// Waits for the DUT's response to a request the harness sent (or, as `expect_notification`, for
/// a notification of an observation it started) and checks it.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectResponse {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a failure of this step violates (default: the case's first).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A set-up step: if it fails, the DUT never reached the point under test, so the verdict is
    /// inconclusive rather than fail.
    #[serde(default)]
    pub setup: bool,
    /// The request (its `as` name); default: the latest sent.
    #[serde(default)]
    pub to: Option<String>,
    /// The acceptable response codes, e.g. `2.05` or `[2.04, 2.01]`.
    pub code: CodeSet,
    /// The Content-Format option: a format or a list of acceptable ones (`none`: no Content-Format).
    #[serde(default)]
    pub content_format: Option<FormatSet>,
    /// Checks on the payload: empty or not, CoRE link-format links present or absent, or
    /// decoded resource values by path.
    #[serde(default)]
    pub payload: Option<PayloadMatcher>,
    /// Variables to capture from the response for later templates: `var: "location"`,
    /// `"payload"`, `"resource./3/0/0"` (optionally `?? default`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// The response's Location-Path (e.g. `{starts_with: /rd/}` for a Register's answer).
    #[serde(default)]
    pub location: Option<TextMatcher>,
    /// Fail if the DUT sent any request between the harness's request and this response (e.g. no
    /// DM operation before the Register is answered).
    #[serde(default)]
    pub no_request_before: bool,
    /// A wrong code makes the verdict inconclusive ("blocked by: ..."), not fail: the DUT refused
    /// the request, so what the step judges (a Location-Path, no request before the answer) never
    /// happened. The other checks still fail.
    #[serde(default)]
    pub code_is_setup: bool,
    /// expect_notification only: answer this notification with RST instead of ACK, which
    /// cancels the observation (RFC 7641 §3.6); later notifications of it get RST too.
    #[serde(default)]
    pub reject: bool,
    /// How long the DUT has to answer (default: the response timeout).
    #[serde(default = "default_response")]
    pub within: Wait,
}

/// Requires silence of a given kind for a window, e.g. no response to a request the DUT must
/// ignore, or no further request after Bootstrap-Finish.
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectNone {
    /// A short description shown in failure messages.
    #[serde(default)]
    pub name: Option<String>,
    /// The requirement a failure of this step violates (default: the case's first).
    #[serde(default)]
    pub requirement: Option<String>,
    /// A set-up step: if it fails, the DUT never reached the point under test, so the verdict is
    /// inconclusive rather than fail.
    #[serde(default)]
    pub setup: bool,
    /// What must not arrive: `response` to a named request, any `request`, or `anything`
    /// (every non-empty message; empty ACK/RST are CoAP message-layer and tolerated).
    #[serde(default)]
    pub response_to: Option<String>,
    /// With `response_to`: responses with these codes do not count (e.g. an error a client may
    /// answer a request it takes for a malformed one of its current interface).
    #[serde(default)]
    pub tolerate_codes: Option<super::matcher::CodeSet>,
    /// Without `response_to`: no request of any kind may arrive within the window.
    #[serde(default)]
    pub request: bool,
    /// Without `response_to`: also count requests that arrived before this step and that no
    /// `expect` has taken (e.g. a second Register sent together with the one a step holds).
    #[serde(default)]
    pub pending: bool,
    /// Without `response_to`: only requests arriving at this harness endpoint count (`server`,
    /// `bootstrap`, ...); default: every endpoint. E.g. "no further Register" without also
    /// forbidding a Bootstrap-Request that another case judges.
    #[serde(default)]
    pub at: Option<String>,
    /// Without `response_to`: the window opens at the harness's answer to the request taken as
    /// this name (or at that request, unanswered) instead of at the start of the step, so
    /// requests that arrived since then and no step took count too ("nothing since the
    /// Bootstrap-Request" without counting what came before it).
    #[serde(default)]
    pub since: Option<String>,
    /// Only requests that break one of the case's `each_request` rules count (they fail the
    /// case as they arrive): a window in which the DUT may send whatever the rules allow.
    #[serde(default)]
    pub only_rules: bool,
    /// How long the silence must last (default: the profile's quiet window).
    #[serde(default = "default_quiet")]
    pub within: Wait,
}

/// The options of a `stop_dut` or `restart_dut` step.
#[derive(Clone, Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DutControl {
    /// A short description shown in messages about the step.
    #[serde(default)]
    pub name: Option<String>,
}

fn default_response() -> Wait {
    Wait::Response
}

fn default_quiet() -> Wait {
    Wait::Quiet
}

fn yes() -> bool {
    true
}
