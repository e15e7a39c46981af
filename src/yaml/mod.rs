//! The YAML files the harness reads (cases, DUT profiles, the requirement catalogue): bounded
//! reading, typed parsing, and errors as `file:line:column: field: message` at the value to fix.

pub mod error;
pub mod limits;
pub mod parse;
pub mod position;

pub use error::LoadError;
pub use parse::{parse_yaml, read};
