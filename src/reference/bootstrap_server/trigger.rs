//! Triggers: what makes the reference Bootstrap-Server act at run time, one text line each, the
//! same on stdin and in the body of an HTTP `POST /trigger`:
//!
//! * `bootstrap HOST:PORT`: a Server Initiated Bootstrap of the client listening there (as
//!   `--server-initiated` does at start-up).

use std::net::SocketAddr;
use std::time::Duration;

use super::BootstrapServerCore;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Trigger {
    Bootstrap(SocketAddr),
}

/// The trigger a line asks for; None for a blank line, Err with why for anything else.
pub(super) fn parse(line: &str) -> Result<Option<Trigger>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        [] => Ok(None),
        ["bootstrap", addr] => match addr.parse::<SocketAddr>() {
            Ok(a) if a.ip().is_loopback() => Ok(Some(Trigger::Bootstrap(a))),
            Ok(a) => Err(format!("trigger `{line}`: {a} is not a loopback address")),
            Err(e) => Err(format!("trigger `{line}`: {e}")),
        },
        _ => Err(format!("unknown trigger `{line}` (known: bootstrap HOST:PORT)")),
    }
}

pub(super) fn apply(core: &mut BootstrapServerCore, now: Duration, trigger: Trigger) {
    match trigger {
        Trigger::Bootstrap(client) => core.start_server_initiated(now, client),
    }
}

impl BootstrapServerCore {
    /// One trigger line, as the driver takes it from stdin: a blank line does nothing, a line
    /// `parse` refuses is logged and dropped (the in-memory pairing (`sim`) hands its
    /// stdin triggers here).
    pub fn handle_command(&mut self, now: Duration, line: &str) {
        match parse(line) {
            Ok(Some(t)) => apply(self, now, t),
            Ok(None) => {}
            Err(why) => tracing::warn!("trigger refused: {why}"),
        }
    }
}
