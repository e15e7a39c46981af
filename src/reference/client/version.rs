//! Which LwM2M enabler version the reference client implements: 1.0 (the default) or 1.1.
//!
//! The 1.1 mode is 1.0 plus the 1.1 behaviour the suite judges, and nothing a 1.0 case could
//! notice: Register says `lwm2m=1.1` and labels the Server Object with `ver=1.1`; the
//! Bootstrap-Server may Bootstrap-Read the Server Object and Bootstrap-Discover the client;
//! and the Server Object's registration resources (13-20: priority order, initial delay,
//! failure block, bootstrap on failure, retry counts and timers) drive registration
//! (LwM2M 1.1.1 Core §6.2.1.1, see `registration_policy`).

use std::fmt;
use std::str::FromStr;

/// The LwM2M enabler version the reference client implements (`--lwm2m`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// LwM2M 1.0 (TS 1.0.2).
    #[default]
    V1_0,
    /// LwM2M 1.1 (TS 1.1.1): 1.0 plus the 1.1 behaviour the suite judges.
    V1_1,
}

impl Version {
    /// The value of the Register's `lwm2m` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V1_0 => "1.0",
            Version::V1_1 => "1.1",
        }
    }

    /// Whether this is 1.1, which enables the 1.1-only behaviour.
    pub fn is_1_1(self) -> bool {
        self == Version::V1_1
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Version {
    type Err = String;

    fn from_str(s: &str) -> Result<Version, String> {
        match s.trim() {
            "1.0" => Ok(Version::V1_0),
            "1.1" => Ok(Version::V1_1),
            other => Err(format!("unsupported LwM2M version `{other}` (use 1.0 or 1.1)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn parses_and_prints_both_versions() {
        for v in [Version::V1_0, Version::V1_1] {
            assert_eq!(v.as_str().parse::<Version>(), Ok(v));
        }
        assert_eq!(Version::default(), Version::V1_0);
        assert!("1.2".parse::<Version>().is_err_and(|e| e.contains("1.2")));
    }
}
