//! Where one trial's evidence goes and where its DUT is launched from, in a file of their own so
//! the event loop takes them without depending on the trial module that runs it.

use std::path::PathBuf;

/// Where one trial writes its evidence and from where it launches its DUT.
pub struct TrialPaths {
    /// The capture of every datagram of the trial.
    pub pcap: PathBuf,
    /// The launched DUT's stdout and stderr (not written for an attached DUT).
    pub dut_log: PathBuf,
    /// Where the profile lives: launch commands run there.
    pub profile_dir: PathBuf,
}
