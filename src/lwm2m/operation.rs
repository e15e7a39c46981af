//! The LwM2M operations a case names (`send`, `trigger`), with their CoAP mapping in the
//! specification's words (TS 1.0.2 §8.2.2-8.2.6).

use serde::Deserialize;

/// LwM2M operations the harness can send as a server, with their CoAP mapping (TS 1.0.2 §8.2.4-8.2.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    Read,
    Discover,
    /// Write (replace): PUT.
    Write,
    /// Write (partial update): POST.
    WritePartial,
    Execute,
    Create,
    Delete,
    WriteAttributes,
    Observe,
    /// Cancel Observation by a GET with Observe=1 and the observation's token.
    CancelObservation,
    /// Bootstrap-Finish: POST /bs with no payload (send it `via: bootstrap`). No `path`.
    BootstrapFinish,
    /// The harness as LwM2M Client (server-role cases): Register, POST /rd with `query` and a
    /// link-format `payload`.
    Register,
    /// Update: POST to `path` (default `{location}`) with `query`.
    Update,
    /// De-register: DELETE of `path` (default `{location}`).
    Deregister,
    /// Bootstrap-Request: POST /bs?ep=... (bootstrap-server-role cases).
    BootstrapRequest,
}

impl Operation {
    /// Operations of the harness acting as an LwM2M Client: their path is a CoAP URI path
    /// (`/rd/5a3f`), not an LwM2M object path.
    pub fn is_client_operation(self) -> bool {
        matches!(
            self,
            Operation::Register | Operation::Update | Operation::Deregister | Operation::BootstrapRequest
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Operation::Read => "read",
            Operation::Discover => "discover",
            Operation::Write => "write",
            Operation::WritePartial => "write-partial",
            Operation::Execute => "execute",
            Operation::Create => "create",
            Operation::Delete => "delete",
            Operation::WriteAttributes => "write-attributes",
            Operation::Observe => "observe",
            Operation::CancelObservation => "cancel-observation",
            Operation::BootstrapFinish => "bootstrap-finish",
            Operation::Register => "register",
            Operation::Update => "update",
            Operation::Deregister => "deregister",
            Operation::BootstrapRequest => "bootstrap-request",
        }
    }
}
