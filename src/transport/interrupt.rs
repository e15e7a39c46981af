//! The run was interrupted (SIGINT or SIGTERM to the harness): running trials stop their DUTs and
//! end as `interrupted`, no further trial starts. A signal is process-wide, so is this flag; only
//! the CLI's `run` sets it ([`request`]), from its signal handler.

use std::sync::OnceLock;
use tokio::sync::watch;

fn state() -> &'static watch::Sender<Option<&'static str>> {
    static STATE: OnceLock<watch::Sender<Option<&'static str>>> = OnceLock::new();
    STATE.get_or_init(|| watch::channel(None).0)
}

/// Interrupt the run; `why` names the signal (`SIGINT`).
pub fn request(why: &'static str) {
    state().send_replace(Some(why));
}

/// Why the run was interrupted, if it was.
pub fn requested() -> Option<&'static str> {
    *state().borrow()
}

/// Resolves when the run is interrupted, with why.
pub async fn wait() -> &'static str {
    let mut rx = state().subscribe();
    loop {
        if let Some(why) = *rx.borrow_and_update() {
            return why;
        }
        if rx.changed().await.is_err() {
            return std::future::pending().await;
        }
    }
}
