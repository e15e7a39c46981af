//! The reference LwM2M client: a conformant LwM2M 1.0 device over UDP/NoSec with fault switches,
//! and with `--lwm2m 1.1` the 1.1 behaviour the suite judges ([`Version`]).
//!
//! The 1.1 mode is 1.0 plus the 1.1 behaviour the suite judges, and nothing a 1.0 case could
//! notice: Register says `lwm2m=1.1` and labels the Server Object with `ver=1.1`; the
//! Bootstrap-Server may Bootstrap-Read the Server Object and Bootstrap-Discover the client;
//! and the Server Object's registration resources (13-20: priority order, initial delay,
//! failure block, bootstrap on failure, retry counts and timers) drive registration
//! (LwM2M 1.1.1 Core §6.2.1.1, see `registration_policy`).
//!
//! Layers, bottom up (files of this directory):
//! * `messaging`: CoAP message layer (Message IDs, tokens, CON retransmission, duplicate
//!   detection) on top of `crate::coap`.
//! * `objects`, `validate` and `attributes`: the object store (Security, Server,
//!   Device), the typing of written values, and the Write-Attributes store.
//! * `dm` and `observe`: the Device Management and Information Reporting interfaces.
//! * `registration` and `reg_messages`: Register, Update and De-register (the state
//!   machine, and the messages, where the registration faults apply).
//! * `core`: [`ClientCore`], the sans-IO state machine that ties them together; time is passed
//!   in, datagrams are handed in and polled out.
//! * `bootstrap` and `device`: the Bootstrap Interface (Bootstrap-Request, Write, Delete,
//!   Finish) and [`Device`], which runs one core per LwM2M Server over one shared object store
//!   and holds the servers off while a bootstrap sequence runs.
//! * `io`: [`run_device`] (and [`run`] for a single factory-bootstrapped server), a thin tokio
//!   loop (UDP socket, timer, SIGTERM/SIGINT) around the device.
//! * `registration_policy` (LwM2M 1.1): the Server Object's resources 13-20 as the order,
//!   preconditions and retries of registration; `bootstrap/read` the Bootstrap-Read and
//!   Bootstrap-Discover operations.
//! * `fault`: the fault switches, one per conformance case's `catches`. The Device Management
//!   faults wrap `dm` in `dm_faults`; the Information Reporting ones live in `observe`; `resume`
//!   is the one fault that keeps state across a restart (a file).

mod attributes;
mod bootstrap;
mod core;
mod device;
mod dm;
mod dm_faults;
pub(crate) mod fault;
mod io;
pub(crate) mod variant;
// The CoAP message layer is shared with the reference Bootstrap-Server.
pub(crate) mod messaging;
mod objects;
mod observe;
mod reg_messages;
mod registration;
mod registration_policy;
pub(crate) mod resume;
mod validate;

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::net::SocketAddr;

pub use self::core::ClientCore;
/// The LwM2M enabler version the reference client implements (`--lwm2m`): 1.0 by default.
pub use crate::lwm2m::LwM2mVersion as Version;
pub use device::{Device, DeviceConfig};
pub use fault::Fault;
pub use io::{run, run_device};
pub use variant::Variant;

/// How the reference client is set up; the CLI fills it from its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The LwM2M Server (must be a loopback address). [`DeviceConfig`] adds bootstrap.
    pub server: SocketAddr,
    /// Endpoint Client Name sent as `ep` in Register.
    pub endpoint: String,
    /// Initial value of the Server Object's Lifetime resource /1/0/1, in seconds.
    pub lifetime: u32,
    /// Requirements to break on purpose (empty: conformant).
    pub faults: BTreeSet<Fault>,
    /// The LwM2M version the client implements (`--lwm2m`).
    pub version: Version,
    /// Conformant freedoms taken on purpose (`--variant`; empty: the default behaviour).
    pub variants: BTreeSet<Variant>,
}

impl ClientConfig {
    /// Whether the client breaks this requirement on purpose (`--fault`).
    pub fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    /// Whether the client takes this conformant freedom (`--variant`).
    pub fn takes(&self, variant: Variant) -> bool {
        self.variants.contains(&variant)
    }
}
