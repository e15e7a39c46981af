//! The event loop of a trial: the DUT launched, every event (a datagram, a timer, the DUT's
//! console, an undelivered trigger, the DUT's exit) fed to the engine, every action it asks for
//! carried out, until it has a verdict, the run is interrupted or the harness's ceiling passes.
//! Nothing is dropped on the way: a datagram the capture cannot take or the socket cannot send
//! and a trigger that cannot be delivered are events too.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::time::Instant;

use super::capture::Capture;
use super::endpoints::{Arrival, Endpoints};
use super::limits::{STOP_GRACE, TRIAL_CEILING};
use super::paths::TrialPaths;
use super::plan::Plan;
use crate::case::Case;
use crate::engine::{Action, Engine, Event, Judgement, Outcome};
use crate::profile::Launch;
use crate::profile::Profile;
use crate::template::Vars;
use crate::transport::console::{ConsoleEvent, Writer};
use crate::transport::dut::{self, Dut};
use crate::transport::{interrupt, ready, trigger};

pub(super) struct Running<'a> {
    pub(super) engine: Engine,
    pub(super) profile: &'a Profile,
    paths: &'a TrialPaths,
    launch: Option<&'a Launch>,
    vars: Vars,
    pub(super) endpoints: Endpoints,
    capture: Capture,
    pub(super) dut: Option<Dut>,
    /// What the DUT prints that the profile captures, and stdin lines it could not take.
    console: dut::Console<'a>,
    console_rx: UnboundedReceiver<ConsoleEvent>,
    /// Triggers run in the background; one that cannot be delivered reports back here.
    trigger_failed: trigger::Failed,
    trigger_failures: UnboundedReceiver<(String, String)>,
    start: Instant,
    /// When a DUT asked to stop (`stop_dut`, `restart_dut`) is killed if still running.
    stop_deadline: Option<Instant>,
    restart_pending: bool,
}

impl<'a> Running<'a> {
    /// Starts the DUT (if the profile launches one) and the engine. A DUT that listens (a
    /// server DUT, or a client awaiting a Server Initiated Bootstrap) is spoken to first: the
    /// engine starts (within the start-up timeout) once the DUT has bound its address, so
    /// neither its first request nor a quiet window is spent before it runs.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn launch(
        case: Case,
        plan: Plan<'a>,
        profile: &'a Profile,
        paths: &'a TrialPaths,
        endpoints: Endpoints,
        capture: Capture,
        start: Instant,
    ) -> Running<'a> {
        let (events, console_rx) = unbounded_channel();
        let console = dut::Console {
            captures: &profile.captures,
            interval: profile.timing.stdin_interval,
            events,
        };
        let mut launched = start_dut(plan.launch, &plan.vars, paths, &console).await;
        if let (Ok(Some(d)), Some(at)) = (&mut launched, plan.setup.dut_address) {
            tokio::select! {
                ready = ready::until_listening(at, profile.timing.startup_timeout, || d.has_exited()) => {
                    tracing::debug!("server DUT at {at}: {ready:?} after {:?}", start.elapsed());
                }
                _ = interrupt::wait() => {}
            }
        }
        let mut engine = Engine::new(case, plan.setup, start.elapsed());
        let dut = match launched {
            Ok(d) => d,
            Err(e) => {
                engine.handle(start.elapsed(), Event::DutLaunchFailed { error: e });
                None
            }
        };
        let (trigger_failed, trigger_failures) = unbounded_channel();
        Running {
            engine,
            profile,
            paths,
            launch: plan.launch,
            vars: plan.vars,
            endpoints,
            capture,
            dut,
            console,
            console_rx,
            trigger_failed,
            trigger_failures,
            start,
            stop_deadline: None,
            restart_pending: false,
        }
    }

    pub(super) fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Runs until the engine has a verdict; an interrupted run or one over the ceiling gets
    /// its verdict from here.
    pub(super) async fn run(&mut self) {
        let mut interrupted: Option<&'static str> = None;
        loop {
            self.perform_actions().await;
            if self.engine.outcome().is_some() || interrupted.is_some() || self.now() > TRIAL_CEILING {
                break;
            }
            let wake = self
                .engine
                .poll_timeout()
                .map(|t| self.start + t)
                .unwrap_or(self.start + TRIAL_CEILING);
            let wake = self.stop_deadline.map_or(wake, |s| s.min(wake));
            tokio::select! {
                why = interrupt::wait() => interrupted = Some(why),
                Some(arrival) = self.endpoints.rx.recv() => self.arrived(arrival),
                Some(event) = self.console_rx.recv() => self.console_event(event),
                Some((operation, error)) = self.trigger_failures.recv() => {
                    // A DUT that has ended explains an undelivered trigger: its exit is reported
                    // (by the arm below, next time round) instead of a harness error.
                    if !self.dut.as_mut().is_some_and(Dut::has_exited) {
                        self.engine.handle(self.now(), Event::TriggerFailed { operation, error });
                    }
                }
                status = wait_dut(&mut self.dut) => self.dut_exited(status).await,
                _ = tokio::time::sleep_until(wake) => {
                    if self.stop_deadline.is_some_and(|s| Instant::now() >= s) {
                        if let Some(d) = &self.dut { d.kill(); }
                        self.stop_deadline = None;
                    }
                    self.engine.handle_timeout(self.now());
                }
            }
        }
        if self.engine.outcome().is_none() {
            let ended = self.ended_without_verdict(interrupted);
            self.engine.end(ended);
        }
    }

    fn ended_without_verdict(&self, interrupted: Option<&'static str>) -> Outcome {
        match interrupted {
            Some(why) => Outcome {
                judgement: Judgement::Interrupted,
                message: format!(
                    "interrupted by {why} {:.1}s into the trial, at step {}; the DUT was stopped",
                    self.now().as_secs_f64(),
                    self.engine.current_step()
                ),
                failure: None,
            },
            None => Outcome::error(format!(
                "trial exceeded the harness ceiling of {}s",
                TRIAL_CEILING.as_secs()
            )),
        }
    }

    /// Carries out what the engine asks for, until it asks for nothing more.
    pub(super) async fn perform_actions(&mut self) {
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Send { from, to, bytes, frame } => {
                    self.capture_sent(from, to, &bytes);
                    if let Err(error) = self.endpoints.send(from, to, &bytes).await {
                        tracing::warn!("send to {to} failed: {error}");
                        self.engine.handle(self.now(), Event::SendFailed { frame, to, error });
                    }
                }
                Action::Trigger { operation, action } => {
                    let bound = self.profile.timing.response_timeout;
                    let failed = self.trigger_failed.clone();
                    let dir = &self.paths.profile_dir;
                    trigger::run(operation, action, &self.dut, dir, bound, failed).await
                }
                Action::StopDut | Action::RestartDut => {
                    self.restart_pending = action == Action::RestartDut;
                    if let Some(d) = &self.dut {
                        d.stop(&self.profile.stop);
                        self.stop_deadline = Some(Instant::now() + STOP_GRACE);
                    }
                }
            }
        }
    }

    /// A datagram from the DUT: into the capture first, then to the engine, then (if the
    /// capture could not take it) the loss: the transcript shows the frame and then why the
    /// capture lacks it.
    pub(super) fn arrived(&mut self, (from, to, bytes, at): Arrival) {
        let lost = self.capture.write(at, from, to, &bytes);
        self.engine.handle(self.now(), Event::Datagram { from, to, bytes });
        self.evidence_lost(lost);
    }

    /// A datagram the harness sent, into the capture.
    fn capture_sent(&mut self, from: SocketAddr, to: SocketAddr, bytes: &[u8]) {
        let lost = self.capture.write(SystemTime::now(), from, to, bytes);
        self.evidence_lost(lost);
    }

    fn evidence_lost(&mut self, lost: Option<Event>) {
        if let Some(e) = lost {
            self.engine.handle(self.now(), e);
        }
    }

    fn console_event(&mut self, event: ConsoleEvent) {
        match event {
            ConsoleEvent::Captured { name, value, .. } => {
                self.engine.handle(self.now(), Event::Console { name, value });
            }
            // A line the DUT did not take is a trigger not delivered, unless the DUT ended
            // (its exit is reported instead) or it was the stop's own line.
            ConsoleEvent::NotWritten { what, error } => {
                let operation = match what {
                    Writer::Trigger(operation) => operation,
                    Writer::Startup => "launch.stdin".into(),
                    Writer::Stop => return,
                };
                if !self.dut.as_mut().is_some_and(Dut::has_exited) {
                    let now = self.now();
                    self.engine.handle(now, Event::TriggerFailed { operation, error });
                }
            }
        }
    }

    async fn dut_exited(&mut self, status: String) {
        self.dut = None;
        self.stop_deadline = None;
        self.engine.handle(self.now(), Event::DutExited { status });
        if std::mem::take(&mut self.restart_pending) {
            match start_dut(self.launch, &self.vars, self.paths, &self.console).await {
                Ok(d) => {
                    self.dut = d;
                    self.engine.handle(self.now(), Event::DutStarted);
                }
                Err(e) => self.engine.handle(self.now(), Event::DutLaunchFailed { error: e }),
            }
        }
    }
}

/// Starts the profile's launch (none: an attached DUT) for this trial.
async fn start_dut(
    launch: Option<&Launch>,
    vars: &Vars,
    paths: &TrialPaths,
    console: &dut::Console<'_>,
) -> Result<Option<Dut>, String> {
    match launch {
        Some(l) => dut::spawn(l, vars, &paths.profile_dir, &paths.dut_log, console)
            .await
            .map(Some),
        None => Ok(None),
    }
}

async fn wait_dut(dut: &mut Option<Dut>) -> String {
    match dut {
        Some(d) => dut::status_text(&d.wait().await),
        None => std::future::pending().await,
    }
}
