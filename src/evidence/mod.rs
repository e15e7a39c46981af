//! Evidence a person can open: the pcap of every datagram, one JSON result per case, and JUnit.

mod junit;
mod pcap;
mod result;
mod results;

pub use junit::write_junit;
pub use pcap::PcapWriter;
pub use result::{CaseResult, Failure, Level, Verdict};
pub use results::write_result;
