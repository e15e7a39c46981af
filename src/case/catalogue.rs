//! The requirement catalogue, `testcases/requirements.yaml`: one entry per normative statement of
//! the seeds, which cases cite by ID.

use serde::{Deserialize, Serialize};

use crate::lwm2m::Role;
use crate::verdict::Level;

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
/// Every normative statement in scope, in file order.
pub struct Catalogue {
    /// The entries; IDs are unique (checked on load).
    pub requirements: Vec<Requirement>,
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
/// One normative statement: what a case cites, and what the traceability matrix accounts for.
pub struct Requirement {
    /// The ID cases cite, e.g. `REG-LOCATION`.
    pub id: String,
    /// The OMA requirement label, for the enabler requirement tables.
    #[serde(default)]
    pub label: Option<String>,
    /// The normative keyword as written (MUST, MUST NOT, SHALL, SHOULD, MAY, must, it is advised).
    pub keyword: String,
    /// The RFC 2119 level the keyword maps to.
    pub level: Level,
    /// The role the statement binds: the DUT role a case judging it runs against.
    pub role: Role,
    /// The LwM2M interface (bootstrap, registration, device-management, information-reporting,
    /// ...) the matrix groups it under.
    pub interface: String,
    /// The sentence, verbatim.
    pub text: String,
    /// Which obligation of a sentence holding several this entry is.
    #[serde(default)]
    pub obligation: Option<String>,
    /// Where the sentence is written (one or more seed documents and sections).
    pub sources: Vec<Source>,
    /// The LwM2M versions whose text states it (default: every version). A case citing only
    /// entries that exclude the DUT's `lwm2m_version` is skipped.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<crate::lwm2m::LwM2mVersion>,
    /// Whether black-box tests over loopback can judge it; if not, `reason` says why.
    pub testable: bool,
    /// Why an entry is not testable (e.g. it needs an IP address change).
    #[serde(default)]
    pub reason: Option<String>,
    /// A testable requirement no case judges yet: why not. The visible form of "not done";
    /// tests/traceability.rs keeps it honest in both directions.
    #[serde(default)]
    pub gap: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
/// Where in the specification text a requirement is written.
pub struct Source {
    /// The seed document (a file under `../shared/seeds/`), e.g. a TS or an OMA change request.
    pub seed: String,
    /// The section within it, e.g. `5.3.1`.
    pub section: String,
}

impl Catalogue {
    /// The entry with this ID; None for an ID the catalogue does not hold.
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
