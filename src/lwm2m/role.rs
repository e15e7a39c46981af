//! The three LwM2M roles (TS 1.0.2 §2: LwM2M Client, LwM2M Server, LwM2M Bootstrap-Server): the
//! role a device under test plays, and so the one the harness plays opposite it.

use serde::Deserialize;

/// The role of the device under test; the harness plays the peer.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// An LwM2M Client: the device, exposing Objects to its servers.
    Client,
    /// An LwM2M Server: registers clients and manages them through the DM and IR interfaces.
    Server,
    /// An LwM2M Bootstrap-Server: provisions a client's Security and Server Objects.
    BootstrapServer,
}

impl Role {
    /// The kebab-case name used in profiles, case directories and reports: `bootstrap-server`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Server => "server",
            Role::BootstrapServer => "bootstrap-server",
        }
    }
}
