//! The harness's time limits on a trial, in a file of their own so the event loop, the teardown
//! and the in-memory pair take them without depending on the trial module that runs them.

use std::time::Duration;

/// A hard ceiling on a trial, far above any case's waits, so a harness bug cannot hang a run.
pub(crate) const TRIAL_CEILING: Duration = Duration::from_secs(600);
/// How long a DUT gets to exit after SIGTERM before SIGKILL.
pub(crate) const STOP_GRACE: Duration = Duration::from_secs(2);
