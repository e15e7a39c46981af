//! lwm2m-conformance: a conformance test harness for OMA LightweightM2M.
//!
//! Data flows: `case` (YAML cases, the requirement catalogue) and `profile` (DUT profiles) -> `engine` (sans-IO
//! step interpreter over `coap` and `lwm2m` codecs) <- `transport` (tokio UDP on loopback, DUT
//! processes) -> `evidence` (pcap, result files, JUnit, checklist and traceability matrix).
//! `suite` ties them together for both the CLI and the libtest-mimic runner; `reference` holds
//! the built-in reference DUTs. Read back: `capture` (any pcap/pcapng) -> `dialogue` (what each
//! datagram means, shared with the engine's transcript) -> `analyze` (passive checks), behind the
//! `explain` and `analyze` commands (`explain_cmd`); `report_cmd` merges shards' results.
//!
//! Layers, bottom first, each importing only from below (`tests/layers.rs` keeps it so; and
//! `tests/file_imports.rs` keeps any file from importing one that imports it back):
//! `coap`, `verdict` (`Level`, `Verdict`, `Failure`), `yaml` (bounded reading, `LoadError`),
//! `template`, `timing`, `feature` → `lwm2m` (with the shared `Role`, `Operation` and
//! `LwM2mVersion`) → `case`, `dialogue`, `reference` → `profile` → `capture`, `engine` → `evidence` →
//! `transport` → `sim` → `suite` → `analyze` → `command` (what every command shares: exit status,
//! output) → the commands (`cli`, `bench`, `explain_cmd`, `report_cmd`, `schema_cmd`) and `fuzz`.
//! `sim` pairs the engine with a reference DUT's core in memory on virtual time: the self-test
//! matrix without processes, sockets or waiting.

#![warn(missing_docs)]

pub mod analyze;
pub mod analyze_cmd;
pub mod bench;
pub mod capture;
pub mod case;
pub mod cli;
pub mod coap;
pub mod command;
pub mod dialogue;
pub mod engine;
pub mod evidence;
pub mod explain_cmd;
pub mod feature;
#[doc(hidden)]
pub mod fuzz;
pub mod lwm2m;
pub mod profile;
pub mod reference;
pub mod report_cmd;
pub mod schema_cmd;
pub mod sim;
pub mod suite;
pub mod template;
pub mod timing;
pub mod transport;
pub mod verdict;
pub mod yaml;
