//! Built-in reference DUTs: conformant LwM2M peers, each with fault switches (`--fault <id>`)
//! that make it violate exactly one requirement, so every test case can prove it detects that
//! violation (the case's `catches`).

pub mod args;
pub mod bootstrap_server;
pub mod client;
mod fault_table;
pub mod server;
mod triggers;
pub(crate) mod udp;
mod variant_table;

use crate::lwm2m::Role;

/// Every process the harness launches carries this variable (the run's ID), so a leftover can be
/// recognised (`/proc/PID/environ`).
pub const RUN_MARKER: &str = "LWM2M_CONFORMANCE_RUN";

/// One conformant variant of a reference DUT (`--variant`), for the self-test and listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VariantInfo {
    /// The role of the reference DUT that takes it.
    pub role: Role,
    /// The `--variant` id that selects it.
    pub id: &'static str,
    /// What the DUT does differently.
    pub description: &'static str,
    /// The specification text that makes it conformant.
    pub allowed_by: &'static str,
}

/// Every conformant variant of every reference DUT, client first.
pub fn variants() -> Vec<VariantInfo> {
    // One list per reference DUT, in role order; each table's rows already carry the text.
    macro_rules! infos {
        ($role:expr, $table:path) => {
            <$table>::ALL.iter().map(|v| VariantInfo {
                role: $role,
                id: v.id(),
                description: v.description(),
                allowed_by: v.allowed_by(),
            })
        };
    }
    infos!(Role::Client, client::Variant)
        .chain(infos!(Role::Server, server::Variant))
        .chain(infos!(Role::BootstrapServer, bootstrap_server::Variant))
        .collect()
}

/// The `--fault` ids of the reference DUT of `role`: what a case of that role may name in
/// `catches`.
pub fn fault_ids(role: Role) -> Vec<&'static str> {
    match role {
        Role::Client => client::Fault::ALL.iter().map(|f| f.id()).collect(),
        Role::Server => server::Fault::ALL.iter().map(|f| f.id()).collect(),
        Role::BootstrapServer => bootstrap_server::Fault::ALL.iter().map(|f| f.id()).collect(),
    }
}
