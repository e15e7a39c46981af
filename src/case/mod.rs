//! Test cases and the requirement catalogue: the YAML models, their loading and the checks a
//! case must pass before it runs (names it refers to, windows long enough for a DUT's timing).

pub mod catalogue;
pub mod load;
pub mod locate;
pub mod matcher;
pub mod model;
pub mod names;
pub mod path_matcher;
pub mod schema;
pub mod walk;
pub mod windows;

pub use catalogue::{Catalogue, Requirement};
pub use model::{Case, Step};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_hostile;
#[cfg(test)]
mod tests_names;
