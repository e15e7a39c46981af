//! Test cases, DUT profiles and the requirement catalogue: the YAML models and their loading.

pub mod catalogue;
pub mod duration;
pub mod feature;
pub mod limits;
pub mod load;
pub mod loopback;
pub mod matcher;
pub mod model;
pub mod names;
pub mod path_matcher;
pub mod profile;
pub mod reference_profiles;
pub mod schema;
pub mod template;
pub mod version;
pub mod walk;
pub mod windows;

pub use catalogue::{Catalogue, Requirement};
pub use load::LoadError;
pub use model::{Case, Role, Step};
pub use profile::Profile;
pub use template::Vars;
pub use version::LwM2mVersion;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_names;
