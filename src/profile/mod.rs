//! DUT profiles (`duts/*.yaml`): how to start or reach a device under test, what it supports
//! (its implementation conformance statement) and how long it may take; their loading and
//! validation, and the built-in reference DUTs' profiles.

pub mod load;
pub mod loopback;
pub mod model;
pub mod reference;
pub mod schema;
pub mod validate;

pub use load::{load_profile, parse_profile, profile_files};
pub use model::{Attach, ConsoleCapture, HttpTrigger, Launch, Profile, Stop, StopSignal, StopWay, Stream, TriggerSpec};
pub use reference::{reference, reference_variant};

#[cfg(test)]
mod tests;
