//! The trigger language of the reference server: one line per operation, as the profile's
//! `triggers` write them on stdin (duts/reference-server.yaml) or post them to `--http`
//! (duts/reference-server-http.yaml):
//!
//! ```text
//! read EP PATH                  discover EP PATH              delete EP PATH
//! write EP PATH VALUE           write-partial EP PATH VALUE   create EP PATH VALUE
//! execute EP PATH [ARGUMENTS]   write-attributes EP PATH pmin=1&pmax=5
//! observe EP PATH               cancel-observe EP PATH
//! ```
//!
//! VALUE is the text of one Resource when PATH names a Resource, else `RES=VALUE,RES=VALUE`
//! (Resource IDs of the instance, e.g. `1=120,7=U`). The path is kept as text: checking it is the
//! server's job (a Resource ID without an Object Instance ID must be refused).

use serde::Deserialize;
use serde::de::value::{Error as ValueError, StrDeserializer};

use crate::lwm2m::{Operation, Role};

/// The trigger word of an operation: its case-language name, except that Cancel Observation is
/// `cancel-observe` (the profile's trigger line).
fn operation(word: &str) -> Option<Operation> {
    let word = if word == "cancel-observe" {
        "cancel-observation"
    } else {
        word
    };
    let op = Operation::deserialize(StrDeserializer::<ValueError>::new(word)).ok()?;
    (op.mapping().sender == Role::Server).then_some(op)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub op: Operation,
    pub endpoint: String,
    pub path: String,
    /// VALUE, ARGUMENTS or the attributes; empty when the line has none.
    pub arg: String,
}

impl Command {
    pub fn parse(line: &str) -> Result<Command, String> {
        let mut words = line.trim().splitn(4, ' ');
        let (Some(op), Some(endpoint), Some(path)) = (words.next(), words.next(), words.next()) else {
            return Err(format!(
                "`{}`: expected OPERATION ENDPOINT PATH [ARGUMENT]",
                line.trim()
            ));
        };
        let op = operation(op).ok_or_else(|| format!("unknown operation `{op}`"))?;
        Ok(Command {
            op,
            endpoint: endpoint.to_string(),
            path: path.to_string(),
            arg: words.next().unwrap_or("").trim().to_string(),
        })
    }
}

/// `/3//13` as `/3/13`: the path of the non-empty segments (variant `normalised-paths`).
pub fn normalised(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("/{}", segments.join("/"))
}

/// The periods (pmin, pmax) of a Write-Attributes with both periods and change thresholds (gt,
/// lt, st): keeps the periods in `cmd` and returns the thresholds as a second Write-Attributes
/// on the same path (variant `split-write-attributes`). `None` when there is only one kind.
pub fn split_attributes(cmd: &mut Command) -> Option<Command> {
    let (periods, thresholds): (Vec<&str>, Vec<&str>) = cmd
        .arg
        .split('&')
        .filter(|p| !p.is_empty())
        .partition(|p| matches!(p.split('=').next(), Some("pmin" | "pmax")));
    if periods.is_empty() || thresholds.is_empty() {
        return None;
    }
    let second = Command {
        arg: thresholds.join("&"),
        ..cmd.clone()
    };
    cmd.arg = periods.join("&");
    Some(second)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_with_and_without_argument() {
        let c = Command::parse("write-attributes urn:dev:x /3/0/13 pmin=1&pmax=5").expect("parses");
        assert_eq!(
            (c.op, c.endpoint.as_str(), c.path.as_str()),
            (Operation::WriteAttributes, "urn:dev:x", "/3/0/13")
        );
        assert_eq!(c.arg, "pmin=1&pmax=5");
        let c = Command::parse("execute ep /1/0/8 ").expect("trailing space from an empty {value}");
        assert_eq!(c.arg, "");
        assert!(Command::parse("read ep").is_err());
        assert!(Command::parse("frobnicate ep /3").is_err());
        assert!(Command::parse("register ep /rd").is_err(), "not a server operation");
        let c = Command::parse("cancel-observe ep /3/0/13").expect("parses");
        assert_eq!(c.op, Operation::CancelObservation);
    }

    #[test]
    fn variants_normalise_paths_and_split_attributes() {
        assert_eq!(normalised("/3//13"), "/3/13");
        assert_eq!(normalised("/"), "/");
        let mut c = Command::parse("write-attributes ep /3/0/9 pmin=1&gt=50&pmax=5&st=2").expect("parses");
        let second = split_attributes(&mut c).expect("both kinds");
        assert_eq!((c.arg.as_str(), second.arg.as_str()), ("pmin=1&pmax=5", "gt=50&st=2"));
        assert_eq!(second.path, "/3/0/9");
        let mut only = Command::parse("write-attributes ep /3/0/9 pmin=1&pmax=5").expect("parses");
        assert_eq!(split_attributes(&mut only), None);
    }
}
