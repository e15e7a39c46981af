//! LwM2M versions, for rules whose reading differs between 1.0 and 1.1 (e.g. the targets of a
//! Bootstrap Delete). A profile declares the version its DUT implements (`lwm2m_version`); a
//! catalogue entry, a case or an `each_request` rule may say which versions it applies to
//! (`versions`; none listed: every version), so a 1.1 DUT is judged by the 1.1 rule. The
//! reference client implements the version its `--lwm2m` names.

use serde::{Deserialize, Serialize};

/// An LwM2M enabler version, as profiles, `versions:` lists and the reference client's
/// `--lwm2m` write it ("1.0", "1.1").
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, schemars::JsonSchema,
)]
pub enum LwM2mVersion {
    /// LwM2M 1.0.x (the seeds' text).
    #[default]
    #[serde(rename = "1.0")]
    V1_0,
    /// LwM2M 1.1.x.
    #[serde(rename = "1.1")]
    V1_1,
}

impl LwM2mVersion {
    /// Every version, oldest first: what an empty `versions:` list means.
    pub const ALL: &'static [LwM2mVersion] = &[LwM2mVersion::V1_0, LwM2mVersion::V1_1];

    /// "1.0" or "1.1", as written in YAML and in the `lwm2m=` registration parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            LwM2mVersion::V1_0 => "1.0",
            LwM2mVersion::V1_1 => "1.1",
        }
    }

    /// Whether a rule listing `versions` (empty: all) applies to a DUT of this version.
    pub fn within(self, versions: &[LwM2mVersion]) -> bool {
        versions.is_empty() || versions.contains(&self)
    }
}

impl std::fmt::Display for LwM2mVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for LwM2mVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<LwM2mVersion, String> {
        let s = s.trim();
        LwM2mVersion::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unsupported LwM2M version `{s}` (use 1.0 or 1.1)"))
    }
}

/// `1.0, 1.1` for messages.
pub fn list(versions: &[LwM2mVersion]) -> String {
    versions.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::LwM2mVersion;

    #[test]
    fn parses_and_prints_both_versions() {
        for v in [LwM2mVersion::V1_0, LwM2mVersion::V1_1] {
            assert_eq!(v.as_str().parse::<LwM2mVersion>(), Ok(v));
        }
        assert_eq!(LwM2mVersion::default(), LwM2mVersion::V1_0);
        assert!("1.2".parse::<LwM2mVersion>().is_err_and(|e| e.contains("1.2")));
    }
}
