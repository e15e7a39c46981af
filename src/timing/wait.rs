//! Durations in YAML: `500ms`, `2s`, `1.5s`, `3m`, or a name of a profile timing
//! (`response`, `quiet`, `startup`) so a case scales with the device it runs against, optionally
//! `+ hold_off`: plus the DUT's Client Hold Off Time (Security resource 11), which a client waits
//! before every Client Initiated Bootstrap — a window for a Bootstrap-Request must outlast it.

use std::fmt;
use std::time::Duration;

/// A step's window as written in a case: fixed, or a profile timing resolved per DUT.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// A literal duration (`500ms`, `2s`).
    Fixed(Duration),
    /// The profile's response timeout: how long a conformant device may take to answer.
    Response,
    /// The profile's quiet window: how long silence must last to count as "nothing was sent".
    Quiet,
    /// The profile's start-up timeout: how long a fresh device may take to send its first message.
    Startup,
    /// A profile timing plus the profile's Client Hold Off Time (`startup + hold_off`).
    PlusHoldOff(Base),
}

/// The profile timing a [`Wait::PlusHoldOff`] adds the Client Hold Off Time to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base {
    /// The profile's response timeout.
    Response,
    /// The profile's quiet window.
    Quiet,
    /// The profile's start-up timeout.
    Startup,
}

impl Base {
    fn name(self) -> &'static str {
        match self {
            Base::Response => "response",
            Base::Quiet => "quiet",
            Base::Startup => "startup",
        }
    }
}

/// `500ms`, `2s`, `1.5s`, `3m` (a bare number is seconds), at most 24 h.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let v: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration like 500ms, 2s or 1m"))?;
    let secs = match unit.trim() {
        "ms" => v / 1000.0,
        "s" => v,
        "m" | "min" => v * 60.0,
        other => return Err(format!("unknown unit `{other}` in `{s}` (use ms, s or m)")),
    };
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("`{s}` is out of range (0 to 24 h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

impl std::str::FromStr for Wait {
    type Err = String;
    fn from_str(s: &str) -> Result<Wait, String> {
        if let Some((base, extra)) = s.split_once('+') {
            if extra.trim() != "hold_off" {
                return Err(format!("`{s}`: only `+ hold_off` can be added to a timing"));
            }
            return Ok(Wait::PlusHoldOff(match base.trim() {
                "response" => Base::Response,
                "quiet" => Base::Quiet,
                "startup" => Base::Startup,
                other => {
                    return Err(format!(
                        "`{other} + hold_off`: use response, quiet or startup + hold_off"
                    ));
                }
            }));
        }
        Ok(match s.trim() {
            "response" => Wait::Response,
            "quiet" => Wait::Quiet,
            "startup" => Wait::Startup,
            other => Wait::Fixed(parse_duration(other)?),
        })
    }
}

impl fmt::Display for Wait {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Wait::Fixed(d) => write!(f, "{}ms", d.as_millis()),
            Wait::Response => f.write_str("response"),
            Wait::Quiet => f.write_str("quiet"),
            Wait::Startup => f.write_str("startup"),
            Wait::PlusHoldOff(b) => write!(f, "{} + hold_off", b.name()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Wait {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Wait, D::Error> {
        let v = serde_yaml::Value::deserialize(d)?;
        let s = match v {
            serde_yaml::Value::String(s) => s,
            serde_yaml::Value::Number(n) => format!("{n}s"),
            _ => {
                return Err(serde::de::Error::custom(
                    "expected a duration such as 2s or response/quiet/startup",
                ));
            }
        };
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A duration field of a profile (no symbolic names there).
pub fn de_duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match <Wait as serde::Deserialize>::deserialize(d)? {
        Wait::Fixed(v) => Ok(v),
        other => Err(serde::de::Error::custom(format!(
            "`{other}` is only allowed in test cases"
        ))),
    }
}

impl schemars::JsonSchema for Wait {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Wait".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration (500ms, 2s, 1m, or a number of seconds) or a profile timing: response, quiet, startup.",
            "anyOf": [{ "type": "string" }, { "type": "number" }]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_names() {
        assert_eq!("500ms".parse::<Wait>(), Ok(Wait::Fixed(Duration::from_millis(500))));
        assert_eq!("1.5s".parse::<Wait>(), Ok(Wait::Fixed(Duration::from_millis(1500))));
        assert_eq!("2".parse::<Wait>(), Ok(Wait::Fixed(Duration::from_secs(2))));
        assert_eq!("quiet".parse::<Wait>(), Ok(Wait::Quiet));
        assert_eq!(
            "startup + hold_off".parse::<Wait>(),
            Ok(Wait::PlusHoldOff(Base::Startup))
        );
        assert!("startup + 2s".parse::<Wait>().is_err());
        assert!("2h".parse::<Wait>().is_err());
        assert!("-1s".parse::<Wait>().is_err());
    }
}
