//! Evidence a person can open: the pcap of every datagram, one JSON result per case, JUnit, and
//! the interop checklist (Markdown and HTML) with the traceability matrix.

mod atomic;
mod bundle;
mod checklist;
mod html;
mod junit;
mod markdown;
pub mod merge;
mod pcap;
mod result;
mod result_file;
mod run_info;
pub(crate) mod traceability;

pub use atomic::write_atomic;
pub use bundle::{CaseRef, Evidence, VariantRef, distinct_duts};
pub use checklist::checklist_md;
pub use html::checklist_html;
pub use junit::write_junit;
pub use pcap::PcapWriter;
pub use result::{CaseResult, Failure, Level, Verdict, counts};
pub use result_file::write_result;
pub use run_info::{RUN_INFO_FILE, RunInfo};
pub use traceability::matrix_md;

#[cfg(test)]
mod tests;
