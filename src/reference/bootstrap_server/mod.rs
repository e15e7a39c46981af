//! The reference LwM2M 1.0 Bootstrap-Server: conformant over UDP/NoSec, with fault switches.
//!
//! Layers (files of this directory):
//! * `plan`: what one bootstrap sequence sends, in order, and its CoAP mapping (Bootstrap
//!   Delete "/", Bootstrap Write of a Security and a Server instance in TLV pointing the client
//!   at `--server-uri`, Bootstrap-Finish as POST /bs with an empty payload).
//! * `session`: one sequence with one client over the CoAP message layer shared with the
//!   reference client (`crate::reference::client::messaging`); one request at a time, so
//!   Bootstrap-Finish follows only once every Write and Delete was answered.
//! * `core`: [`BootstrapServerCore`], the sans-IO state machine: datagrams and time in,
//!   datagrams and the next deadline out. It answers Bootstrap-Request (POST /bs?ep=...) with
//!   2.04 and starts a sequence; with `--server-initiated` it starts one at once.
//! * `io`: [`run`], a thin tokio loop (UDP socket, timer, triggers, SIGTERM/SIGINT); `trigger`
//!   the trigger lines, which `crate::reference::triggers` reads from stdin and from the body
//!   of an HTTP `POST /trigger`.
//! * `fault`: the fault switches, one per bootstrap-server case's `catches`; `variant` the
//!   conformant variants (`--variant`), one per freedom of the 1.1 Bootstrap Interface.

mod core;
mod fault;
mod io;
mod plan;
mod session;
mod trigger;
mod variant;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::net::SocketAddr;

pub use self::core::BootstrapServerCore;
pub use fault::Fault;
pub use io::run;
pub use variant::Variant;

/// How the reference Bootstrap-Server is set up; the CLI fills it from its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BootstrapServerConfig {
    /// Where it listens for Bootstrap-Requests (loopback).
    pub listen: SocketAddr,
    /// The LwM2M Server URI written into the Security instance (/0/1/0), e.g. coap://127.0.0.1:5683.
    pub server_uri: String,
    /// Server Initiated Bootstrap: provision the client listening here at start-up, unasked.
    pub server_initiated: Option<SocketAddr>,
    /// HTTP triggers: listen for `POST /trigger` here (loopback).
    pub http: Option<SocketAddr>,
    /// Requirements to break on purpose (empty: conformant).
    pub faults: BTreeSet<Fault>,
    /// Conformant freedoms taken on purpose (`--variant`; empty: the default behaviour).
    pub variants: BTreeSet<Variant>,
}

impl BootstrapServerConfig {
    /// Checks what the argument parser cannot: loopback only, and a coap:// server URI.
    pub fn validate(&self) -> Result<(), String> {
        crate::reference::udp::loopback_only(
            "bootstrap server",
            &[
                ("--listen", Some(self.listen)),
                ("--server-initiated", self.server_initiated),
                ("--http", self.http),
            ],
        )?;
        if !self.server_uri.starts_with("coap://") {
            return Err(format!(
                "--server-uri {} is not a coap:// URI (NoSec only)",
                self.server_uri
            ));
        }
        Ok(())
    }
}
