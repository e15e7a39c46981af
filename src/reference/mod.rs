//! Built-in reference DUTs: conformant LwM2M peers, each with fault switches (`--fault <id>`)
//! that make it violate exactly one requirement, so every test case can prove it detects that
//! violation (the case's `catches`).

pub mod bootstrap_server;
pub mod client;
mod fault_table;
pub mod server;
mod triggers;
mod udp;
