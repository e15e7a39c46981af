//! Built-in reference DUTs: conformant LwM2M peers, each with fault switches (`--fault <id>`)
//! that make it violate exactly one requirement, so every test case can prove it detects that
//! violation (the case's `catches`).

pub mod bootstrap_server;
pub mod client;
mod fault_table;
pub mod server;
mod triggers;
mod udp;
mod variant_table;

use crate::case::Role;

/// One conformant variant of a reference DUT (`--variant`), for the self-test and listings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VariantInfo {
    /// The role of the reference DUT that takes it.
    pub role: Role,
    pub id: &'static str,
    /// What the DUT does differently.
    pub description: &'static str,
    /// The specification text that makes it conformant.
    pub allowed_by: &'static str,
}

/// Every conformant variant of every reference DUT, client first.
pub fn variants() -> Vec<VariantInfo> {
    client::Variant::ALL
        .iter()
        .map(|v| VariantInfo {
            role: Role::Client,
            id: v.id(),
            description: v.description(),
            allowed_by: v.allowed_by(),
        })
        .chain(server::Variant::ALL.iter().map(|v| VariantInfo {
            role: Role::Server,
            id: v.id(),
            description: v.description(),
            allowed_by: v.allowed_by(),
        }))
        .collect()
}
