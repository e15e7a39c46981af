//! The requirement catalogue, `testcases/requirements.yaml`: one entry per normative statement of
//! the seeds, which cases cite by ID.

use serde::{Deserialize, Serialize};

use super::model::Role;
use crate::verdict::Level;

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Catalogue {
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    /// The OMA requirement label, for the enabler requirement tables.
    #[serde(default)]
    pub label: Option<String>,
    /// The normative keyword as written (MUST, MUST NOT, SHALL, SHOULD, MAY, must, it is advised).
    pub keyword: String,
    pub level: Level,
    pub role: Role,
    pub interface: String,
    /// The sentence, verbatim.
    pub text: String,
    /// Which obligation of a sentence holding several this entry is.
    #[serde(default)]
    pub obligation: Option<String>,
    pub sources: Vec<Source>,
    /// The LwM2M versions whose text states it (default: every version). A case citing only
    /// entries that exclude the DUT's `lwm2m_version` is skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<super::version::LwM2mVersion>,
    pub testable: bool,
    #[serde(default)]
    pub reason: Option<String>,
    /// A testable requirement no case judges yet: why not. The visible form of "not done";
    /// tests/traceability.rs keeps it honest in both directions.
    #[serde(default)]
    pub gap: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub seed: String,
    pub section: String,
}

impl Catalogue {
    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    /// The level a case is judged at: the strictest of the requirements it cites.
    pub fn level_of(&self, ids: &[String]) -> Level {
        ids.iter()
            .filter_map(|id| self.get(id))
            .map(|r| r.level)
            .min()
            .unwrap_or(Level::Must)
    }

    /// Problems no YAML parser sees: duplicate IDs, a non-testable entry without its reason.
    pub fn validate(&self) -> Vec<String> {
        let mut errors = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for r in &self.requirements {
            if !seen.insert(r.id.as_str()) {
                errors.push(format!("requirement {}: duplicate id", r.id));
            }
            if !r.testable && r.reason.as_deref().is_none_or(str::is_empty) {
                errors.push(format!(
                    "requirement {}: testable is false but no reason is given",
                    r.id
                ));
            }
        }
        errors
    }
}
