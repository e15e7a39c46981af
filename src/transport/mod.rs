//! The thin async shell around the engine: tokio UDP on loopback, timers, DUT processes.

pub mod bind;
pub(crate) mod console;
pub(crate) mod dut;
pub mod guard;
pub(crate) mod http;
pub mod interrupt;
pub mod ready;
pub mod trial;
mod trigger;

pub use trial::{TrialOutput, TrialPaths, run_trial};
