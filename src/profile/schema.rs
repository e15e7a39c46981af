//! The JSON Schema of a DUT profile file (`lwm2m-conformance schema`), generated from the Rust
//! types; the timing part states its defaults from `Timing::default`.

use super::model::Profile;

/// The schema of a DUT profile file.
pub fn profile_schema() -> schemars::Schema {
    schemars::schema_for!(Profile)
}
