//! The reference LwM2M 1.0 Server: a conformant server over UDP/NoSec with fault switches.
//!
//! Layers, bottom up (files of this directory):
//! * `crate::coap::layer`: the CoAP message layer (Message IDs, tokens, CON retransmission,
//!   duplicate detection), shared with the reference client.
//! * `registry`: the registration store (Register, Update, De-register, lifetime expiry), and
//!   `registration`: the Registration Interface requests that drive it.
//! * `command` and `request`: the trigger lines (stdin or HTTP) and the CoAP requests they become
//!   (Device Management and Information Reporting operations), with the checks that keep the
//!   server from sending what it must not.
//! * `observe`: the observations, re-initiated when a client registers again.
//! * `core`: [`ServerCore`], the sans-IO state machine that ties them together; time is passed
//!   in, datagrams and trigger lines are handed in and datagrams polled out.
//! * `io`: [`run`], a thin tokio loop (UDP socket, trigger lines from stdin and optionally
//!   HTTP through `crate::reference::triggers`, timer, SIGTERM/SIGINT).
//! * `fault`: the fault switches, one per server conformance case's `catches`; `variant`: the
//!   conformant `--variant` switches, one per freedom the specification gives a server.

mod command;
mod core;
mod fault;
mod io;
mod observe;
mod registration;
mod registry;
mod request;
mod variant;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::net::SocketAddr;

pub use self::core::ServerCore;
pub use fault::Fault;
pub use io::run;
pub use variant::Variant;

/// How the reference server is set up; the CLI fills it from its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerConfig {
    /// Where the server listens (must be a loopback address).
    pub listen: SocketAddr,
    /// Where `POST /trigger` takes trigger lines too (TCP, loopback), if anywhere.
    pub http: Option<SocketAddr>,
    /// Requirements to break on purpose (empty: conformant).
    pub faults: BTreeSet<Fault>,
    /// Conformant freedoms to take (empty: the default behaviour).
    pub variants: BTreeSet<Variant>,
}

impl ServerConfig {
    /// Checks what the argument parser cannot: loopback only.
    pub fn validate(&self) -> Result<(), String> {
        crate::reference::udp::loopback_only("server", &[("--listen", Some(self.listen)), ("--http", self.http)])
    }
}
