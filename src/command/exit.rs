//! The exit status of every command (also in `--help` and the README), in a file of its own so
//! the output module and the commands take it without depending on each other.

/// 0: the command did its job and found nothing that gates.
pub const OK: u8 = 0;
/// 1: the command did its job and found a problem: a gating verdict (`run`, `report`,
/// `bench`) or finding (`analyze`), a file `check` finds invalid, a case without a result
/// (`report`), a case that does not load (`list`).
pub const PROBLEM: u8 = 1;
/// 2: the command could not do its job: wrong usage (also clap's own errors), an input it
/// needs missing, unreadable or damaged (the testcases folder, the DUT profile of `run`, a
/// capture), an output it cannot write, a reference DUT that cannot start.
pub const UNUSABLE: u8 = 2;
/// 130: `run` interrupted by SIGINT (128 + 2).
pub const SIGINT: u8 = 130;
/// 143: `run` interrupted by SIGTERM (128 + 15).
pub const SIGTERM: u8 = 143;
