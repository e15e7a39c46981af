//! The sans-IO step interpreter. It owns no socket and no clock: the transport feeds it events
//! (a datagram, a timer, the DUT process exiting) with the current time, and polls it for actions
//! (send a datagram, stop or restart the DUT) and for its next deadline. So the same case runs
//! against a real device or, in unit tests, against scripted datagrams on a manual clock.
//!
//! Frame numbers: the engine counts every datagram it is given or asks to send, in that order;
//! the transport writes the pcap in the same order, so the numbers in a failure are the frame
//! numbers Wireshark shows.

mod answers;
mod background;
mod client_model;
mod ending;
mod exchange;
mod gather;
mod link_capture;
mod notify;
mod requests;
mod responses;
mod rules;
mod send_request;
mod steps;
mod transcript;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::Duration;

use crate::case::Case;
use crate::coap::Message;
use crate::coap::layer::{Dedup, Ids};
use crate::coap::reliability::{Params, Retransmitter};
use crate::lwm2m::{ContentFormat, Path};
use crate::template::Vars;
use crate::timing::Timing;
use crate::verdict::Failure;
use transcript::Direction;
use transcript::Transcript;

/// Everything a trial fixes before the first step.
#[derive(Clone, Debug)]
pub struct TrialSetup {
    /// The harness's primary endpoint (a local address): the LwM2M Server for a client DUT, the
    /// LwM2M Client for a server DUT. It is also listed in `endpoints` under its name.
    pub server: SocketAddr,
    /// Every harness endpoint by name (`server`, `server2`, `bootstrap`), `server` included.
    pub endpoints: Vec<(String, SocketAddr)>,
    /// Where the DUT listens, when the profile fixes it (Server Initiated Bootstrap); otherwise the
    /// harness learns it from the DUT's first request.
    pub dut_address: Option<SocketAddr>,
    /// Server DUTs: how to make the DUT act (`trigger` steps), from the profile.
    pub triggers: std::collections::BTreeMap<String, crate::profile::TriggerSpec>,
    /// The DUT's Endpoint Client Name, as configured in its launch command.
    pub endpoint: String,
    /// The profile's timeouts (response, quiet window, start-up) and CoAP transmission parameters
    /// (RFC 7252 §4.8) the steps' `within` windows and retransmissions use.
    pub timing: Timing,
    /// The LwM2M version the DUT's profile declares: picks the `each_request` rules that apply.
    pub lwm2m_version: crate::lwm2m::LwM2mVersion,
    /// Formats the DUT declares, most preferred first.
    pub formats: Vec<ContentFormat>,
    /// Seeds tokens, message IDs and back-off so a trial is reproducible.
    pub seed: u64,
    /// How the harness stops the DUT (profile `stop`), as the transcript says it.
    pub stop: String,
    /// The values the DUT's console output provides (profile `captures`): a trigger that uses
    /// one waits until the DUT has printed it.
    pub console: Vec<String>,
}

/// What the transport tells the engine happened, with the time it happened.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// A UDP datagram between the DUT and a harness endpoint, in either direction.
    Datagram {
        /// The sending address.
        from: SocketAddr,
        /// The receiving address.
        to: SocketAddr,
        /// The UDP payload: one CoAP message, or whatever bytes arrived.
        bytes: Vec<u8>,
    },
    /// The DUT process is running (first start or after a restart): its Message IDs start afresh.
    DutStarted,
    /// The DUT process ended; unless the harness stopped it, that ends the trial.
    DutExited {
        /// The exit status as the transport describes it.
        status: String,
    },
    /// The DUT's launch command could not be run: the trial ends as an error.
    DutLaunchFailed {
        /// Why the launch failed.
        error: String,
    },
    /// The DUT printed a value a profile capture looks for (the newest match, when it changed).
    Console {
        /// The profile capture's name.
        name: String,
        /// The value the DUT printed.
        value: String,
    },
    /// A trigger could not be delivered (unreachable URL, a redirect, a shell command that could
    /// not run or failed): the harness's or the profile's fault, never the DUT's.
    TriggerFailed {
        /// The profile trigger's name.
        operation: String,
        /// Why delivery failed.
        error: String,
    },
    /// A datagram could not be written to the capture (`frame`: its number there): the capture
    /// is incomplete from it on, so the trial cannot claim a verdict on it (see
    /// [`Engine::end`] for what becomes of one already reached).
    EvidenceLost {
        /// The capture file.
        file: String,
        /// The frame number of the lost datagram.
        frame: u32,
        /// Why writing failed.
        error: String,
    },
    /// A datagram the engine asked to send (`frame`) did not go out: the harness's fault.
    SendFailed {
        /// The frame number the engine gave the datagram.
        frame: u32,
        /// The address it was meant for.
        to: SocketAddr,
        /// Why sending failed.
        error: String,
    },
    /// The verdict is in and the harness is stopping the DUT: from now on datagrams are recorded
    /// (transcript, frame numbers) but judged by no step; a De-register is answered.
    Teardown,
}

/// What the engine asks the transport to do, taken with [`Engine::poll_action`].
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Send a datagram from a harness endpoint.
    Send {
        /// The harness endpoint to send from.
        from: SocketAddr,
        /// The destination (the DUT).
        to: SocketAddr,
        /// The encoded CoAP message.
        bytes: Vec<u8>,
        /// Its frame number (the transcript's and the capture's).
        frame: u32,
    },
    /// Stop the DUT process (`stop_dut`); the sockets stay, so it is judged on what it sent before.
    StopDut,
    /// Stop the DUT and start a fresh instance (`restart_dut`), answered by [`Event::DutStarted`].
    RestartDut,
    /// Make a server DUT perform an operation (rendered from the profile's trigger named
    /// `operation`).
    Trigger {
        /// The profile trigger's name.
        operation: String,
        /// The rendered trigger to deliver.
        action: TriggerAction,
    },
}

/// A rendered profile trigger: how the harness makes a server DUT initiate an operation.
#[derive(Clone, Debug, PartialEq)]
pub enum TriggerAction {
    /// A line to write to the DUT's standard input.
    Stdin(String),
    /// A shell command to run.
    Shell(String),
    /// An HTTP request to the DUT's management API.
    Http {
        /// The HTTP method.
        method: String,
        /// The URL.
        url: String,
        /// The request body, if any.
        body: Option<String>,
        /// The Content-Type header for the body, if any.
        content_type: Option<String>,
    },
}

/// The engine's own verdicts; the runner maps them onto report verdicts (expected failures etc.).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judgement {
    /// Every step held.
    Pass,
    /// The DUT broke a requirement; the [`Outcome::failure`] says which and where.
    Fail,
    /// The DUT never reached the point under test (a set-up step failed), so nothing is judged.
    Inconclusive,
    /// The harness, the profile or the evidence failed (DUT would not start, a send failed, the
    /// capture lost a frame): the trial says nothing about the DUT.
    Error,
    /// The run was interrupted (SIGINT/SIGTERM to the harness) before the case ended; given by
    /// the transport, never by the engine.
    Interrupted,
}

/// How a trial ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The verdict.
    pub judgement: Judgement,
    /// A one-line explanation, naming the step and frames.
    pub message: String,
    /// When a step did not hold: which step, the requirements it judges, what was expected and
    /// what the DUT did instead.
    pub failure: Option<Failure>,
}

impl Outcome {
    /// The harness, not the DUT, kept the trial from a verdict (a set-up that failed, a limit
    /// passed, evidence lost): an error, with no failed step to cite.
    pub fn error(message: impl Into<String>) -> Outcome {
        Outcome {
            judgement: Judgement::Error,
            message: message.into(),
            failure: None,
        }
    }
}

/// An answer waiting for its time (`answers` sends it when due).
#[derive(Debug)]
struct HeldAnswer {
    pub(super) due: Duration,
    /// Index into `incoming` of the request it answers.
    pub(super) request: usize,
    pub(super) bytes: Vec<u8>,
}

/// A request the DUT sent (retransmissions excluded).
#[derive(Debug)]
struct Incoming {
    frame: u32,
    /// The harness endpoint it arrived at.
    at: SocketAddr,
    from: SocketAddr,
    msg: Message,
    consumed: bool,
    /// Frames that retransmitted this request (same source and Message ID).
    retransmissions: Vec<u32>,
    /// The frame of the harness's answer, once sent.
    answered: Option<u32>,
    /// Answered (or tried) in the background, from the client model: no step could take it.
    background: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reject {
    /// ACK notifications (the observation is wanted).
    No,
    /// RST the next notification: a step cancels the observation that way.
    Next,
    /// Already rejected: RST every further notification, as a server that forgot it would.
    All,
}

/// A request the harness sent and what came back for it.
#[derive(Debug)]
struct Outgoing {
    name: String,
    path: Path,
    accept: Option<ContentFormat>,
    token: Vec<u8>,
    mid: u16,
    frame: u32,
    /// The datagram as sent and the endpoint it left from, for a `retransmit` step.
    bytes: Vec<u8>,
    via: SocketAddr,
    /// An Observe request: its responses carry the Observe option.
    observe: bool,
    /// How the harness answers Confirmable notifications of this observation.
    reject: Reject,
    responses: Vec<Reply>,
    consumed: usize,
}

#[derive(Debug)]
struct Reply {
    frame: u32,
    msg: Message,
}

/// Runs one case against one DUT as a sans-IO state machine: fed [`Event`]s and timeouts with
/// the current time, it yields [`Action`]s and, once the last step holds or one fails, an
/// [`Outcome`].
pub struct Engine {
    case: Case,
    setup: TrialSetup,
    vars: Vars,
    step: usize,
    step_started: Duration,
    /// Frames counted when the current step began: later ones arrived during it.
    step_frame: u32,
    deadline: Option<Duration>,
    /// Frames that arrived while the current step waited and did not satisfy it, with why not.
    unmatched: Vec<(u32, String)>,
    /// `query_across_requests`: the query parameters the current step has seen, with the frame.
    gathered: Vec<(String, u32)>,
    incoming: Vec<Incoming>,
    /// `as` name (or "#step") -> index into `incoming`.
    taken: HashMap<String, usize>,
    last_taken: Option<String>,
    outgoing: Vec<Outgoing>,
    dut: Option<SocketAddr>,
    dut_running: bool,
    /// Which endpoint each Confirmable request went out from, for its retransmissions.
    sent_from: HashMap<u16, SocketAddr>,
    stopping: bool,
    /// Empty ACKs and RSTs from the DUT: (frame, Message ID, type), for `notify`.
    acks: Vec<(u32, u16, crate::coap::MessageType)>,
    /// The `notify` step being waited on: (step index, Message ID, frame) of its notification.
    notified: Option<(usize, u16, u32)>,
    frames: u32,
    /// The harness's Message IDs and tokens, retransmission and duplicate detection: the
    /// crate's one CoAP message layer (`coap::layer`, `coap::reliability`), driven per endpoint.
    ids: Ids,
    retransmit: Retransmitter,
    dedup: Dedup,
    /// `auto_respond` answers with a `delay`, waiting for their time.
    held: Vec<HeldAnswer>,
    /// The object tree of the LwM2M Client the harness plays (server and Bootstrap-Server
    /// DUTs), for the requests no step takes (`background`).
    client_model: Option<client_model::ClientModel>,
    /// The registration locations the harness, as LwM2M Server, handed out in a 2.01 (client
    /// DUTs): Updates and De-registers there that no step takes are answered in the background.
    registrations: Vec<String>,
    actions: VecDeque<Action>,
    transcript: Transcript,
    outcome: Option<Outcome>,
    /// After [`Event::Teardown`]: nothing is judged any more.
    teardown: bool,
}

impl Engine {
    /// Starts a trial at `now`: fixes the harness's endpoints and variables and begins the first step.
    pub fn new(case: Case, setup: TrialSetup, now: Duration) -> Engine {
        let mut vars = Vars::default();
        vars.set("endpoint", setup.endpoint.clone());
        for (name, a) in &setup.endpoints {
            vars.set_endpoint(name, *a);
        }
        // Where a server DUT listens: its launch placeholders, for trigger templates (an HTTP
        // trigger to its management API, say).
        if let Some(a) = setup.dut_address.filter(|_| case.dut != crate::lwm2m::Role::Client) {
            vars.set_endpoint("dut", a);
        }
        // A registration ID that differs per case, so a DUT that hard-codes one is caught.
        vars.set("reg_id", format!("{:04x}", (setup.seed >> 16) as u16));
        let seed = setup.seed;
        let client_model = client_model::model_for(case.dut, setup.dut_address);
        let mut e = Engine {
            case,
            vars,
            step: 0,
            step_started: now,
            step_frame: 0,
            deadline: None,
            unmatched: Vec::new(),
            gathered: Vec::new(),
            incoming: Vec::new(),
            taken: HashMap::new(),
            last_taken: None,
            outgoing: Vec::new(),
            dut: setup.dut_address,
            dut_running: true,
            sent_from: HashMap::new(),
            stopping: false,
            acks: Vec::new(),
            notified: None,
            frames: 0,
            // Message IDs count up from one past the seed's low half made odd (so the first is
            // even), tokens from the seed's high half: the numbers the engine used before it
            // shared `coap::layer::Ids`, so captures stay the same.
            ids: Ids::new(
                ((seed as u16) | 1).wrapping_add(1),
                ((seed >> 32) as u32).wrapping_add(1),
                0,
            ),
            retransmit: Retransmitter::new(Params::default(), seed),
            dedup: Dedup::default(),
            held: Vec::new(),
            client_model,
            registrations: Vec::new(),
            actions: VecDeque::new(),
            transcript: Transcript::new(harness_roles(&setup)),
            outcome: None,
            teardown: false,
            setup,
        };
        e.advance(now);
        e
    }

    /// Takes in one event at `now` and runs the steps as far as they can go.
    pub fn handle(&mut self, now: Duration, event: Event) {
        match event {
            Event::Datagram { from, to, bytes } => self.on_datagram(now, from, to, &bytes),
            Event::DutStarted => {
                self.dut_running = true;
                // A restarted DUT numbers its messages afresh.
                self.dedup.reset(now);
                self.transcript.note(now, "DUT process started".into());
            }
            Event::DutExited { status } => {
                self.dut_running = false;
                self.transcript.note(now, format!("DUT process exited ({status})"));
                if !std::mem::take(&mut self.stopping) && self.outcome.is_none() {
                    self.dut_died(now, &status);
                }
            }
            Event::DutLaunchFailed { error } => {
                self.dut_running = false;
                self.finish(Outcome::error(format!("cannot start the DUT: {error}")));
            }
            Event::Console { name, value } => {
                self.transcript
                    .note(now, format!("the DUT printed {{{name}}} = `{value}` (profile capture)"));
                self.vars.set(&name, value);
            }
            Event::TriggerFailed { operation, error } => {
                self.transcript
                    .note(now, format!("trigger {operation} not delivered: {error}"));
                self.finish(Outcome::error(format!(
                    "trigger `{operation}` could not be delivered: {error}"
                )));
            }
            Event::EvidenceLost { file, frame, error } => self.evidence_lost(now, &file, frame, &error),
            Event::SendFailed { frame, to, error } => self.send_failed(now, frame, to, &error),
            Event::Teardown => self.start_teardown(now),
        }
        self.advance(now);
    }

    /// Called at or after [`Engine::poll_timeout`]: retransmits unacknowledged Confirmable
    /// requests, releases held answers and ends steps whose window has closed.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.release_held(now);
        for tick in self.retransmit.on_timeout(now) {
            match tick {
                crate::coap::reliability::Tick::Resend { peer, bytes, mid } => {
                    self.transcript.note(now, format!("retransmission of mid={mid}"));
                    let from = self.sent_from.get(&mid).copied().unwrap_or(self.setup.server);
                    self.emit(now, from, peer, bytes);
                }
                crate::coap::reliability::Tick::GaveUp { mid, .. } => {
                    self.transcript
                        .note(now, format!("no ACK for mid={mid} after MAX_RETRANSMIT; giving up"));
                }
            }
        }
        self.advance(now);
    }

    /// The next action for the transport, in the order they were decided.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// The next instant the engine must be woken at, if any.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.outcome.is_some() {
            return None;
        }
        [self.deadline, self.retransmit.next_timeout(), self.next_held()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The verdict, once the trial has ended.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// The step the case is at, as a message names it: `3 (expect_none)`, 1-based.
    pub fn current_step(&self) -> String {
        match self.case.steps.get(self.step) {
            Some(s) => format!("{} ({})", self.step + 1, self.step_name(s)),
            None => format!("{} (after the last)", self.step + 1),
        }
    }

    /// The transcript so far, one line per datagram or notable event.
    pub fn transcript(&self) -> Vec<String> {
        self.transcript.lines()
    }

    /// The local address of a named harness endpoint; no name means the primary one.
    fn endpoint(&self, name: Option<&str>) -> Result<SocketAddr, String> {
        let Some(name) = name else {
            return Ok(self.setup.server);
        };
        self.setup
            .endpoints
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| *a)
            .ok_or_else(|| {
                let known: Vec<&str> = self.setup.endpoints.iter().map(|(n, _)| n.as_str()).collect();
                format!("no harness endpoint `{name}` in this trial (has: {})", known.join(", "))
            })
    }

    fn emit(&mut self, now: Duration, from: SocketAddr, to: SocketAddr, bytes: Vec<u8>) {
        self.frames += 1;
        self.transcript
            .datagram(now, self.frames, Direction::ToDut, from, to, &bytes);
        self.actions.push_back(Action::Send {
            from,
            to,
            bytes,
            frame: self.frames,
        });
    }

    fn finish(&mut self, outcome: Outcome) {
        if self.outcome.is_none() {
            self.deadline = None;
            self.outcome = Some(outcome);
        }
    }
}

/// The roles of the harness's own endpoints, so the transcript names a Bootstrap-Server's
/// requests before its Bootstrap-Finish shows what it is.
fn harness_roles(setup: &TrialSetup) -> crate::dialogue::Roles {
    let mut roles = crate::dialogue::Roles::default();
    for (name, addr) in &setup.endpoints {
        if name.starts_with("bootstrap") {
            roles.learn(*addr, crate::lwm2m::Role::BootstrapServer);
        }
    }
    roles
}

#[cfg(test)]
mod tests;
