//! [`PathMatcher`]: the Uri-Path check of an `expect` step or an `each_request` rule.
//!
//! YAML forms: a path template (`/rd`, `{location}`; must be equal), `{one_of: [/, /0/1]}`, or
//! `{targets: [root, instance]}`: the path names one of these LwM2M levels (`root` is "/",
//! then `object` /o, `instance` /o/i, `resource` /o/i/r, `resource-instance` /o/i/r/ri). The
//! last form is how a case accepts every target the specification allows without fixing the
//! DUT's choice of Object or instance IDs.

use serde::Deserialize;

use crate::lwm2m::Path;
use crate::template::Vars;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
/// The level of the LwM2M object tree a path names, as `targets:` lists it.
pub enum Level {
    /// "/".
    Root,
    /// /o.
    Object,
    /// /o/i.
    Instance,
    /// /o/i/r.
    Resource,
    /// /o/i/r/ri.
    ResourceInstance,
}

impl Level {
    const BY_DEPTH: [Level; 5] = [
        Level::Root,
        Level::Object,
        Level::Instance,
        Level::Resource,
        Level::ResourceInstance,
    ];

    fn describe(self) -> &'static str {
        match self {
            Level::Root => "\"/\"",
            Level::Object => "an Object",
            Level::Instance => "an Object Instance",
            Level::Resource => "a Resource",
            Level::ResourceInstance => "a Resource Instance",
        }
    }
}

/// What a request's Uri-Path must be (see the module docs for the YAML forms).
#[derive(Clone, Debug, PartialEq)]
pub enum PathMatcher {
    /// Equal to the rendered template.
    Is(String),
    /// Equal to one of the rendered templates.
    OneOf(Vec<String>),
    /// Naming one of these levels, whatever the IDs.
    Targets(Vec<Level>),
}

impl<'de> Deserialize<'de> for PathMatcher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Form {
            #[serde(default)]
            one_of: Option<Vec<String>>,
            #[serde(default)]
            targets: Option<Vec<Level>>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Template(String),
            Map(serde_yaml::Value),
        }
        let shape =
            "a path is a template, {one_of: [...]} or {targets: [root, object, instance, resource, resource-instance]}";
        match Either::deserialize(d)? {
            Either::Template(t) => Ok(PathMatcher::Is(t)),
            Either::Map(v) => {
                let form: Form =
                    serde_yaml::from_value(v).map_err(|e| serde::de::Error::custom(format!("{shape}: {e}")))?;
                match (form.one_of, form.targets) {
                    (Some(v), None) => Ok(PathMatcher::OneOf(v)),
                    (None, Some(l)) => Ok(PathMatcher::Targets(l)),
                    _ => Err(serde::de::Error::custom(shape)),
                }
            }
        }
    }
}

impl PathMatcher {
    /// Checks the request's Uri-Path `got` ("/" for none).
    pub fn check(&self, got: &str, vars: &Vars) -> Result<(), String> {
        match self {
            PathMatcher::Is(t) => {
                let want = vars.render(t)?;
                if got == want {
                    Ok(())
                } else {
                    Err(format!("path is {got}, expected {want}"))
                }
            }
            PathMatcher::OneOf(ts) => {
                let wanted = ts.iter().map(|t| vars.render(t)).collect::<Result<Vec<_>, _>>()?;
                if wanted.iter().any(|w| w == got) {
                    Ok(())
                } else {
                    Err(format!("path is {got}, expected one of {}", wanted.join(", ")))
                }
            }
            PathMatcher::Targets(levels) => {
                let level = got
                    .parse::<Path>()
                    .ok()
                    .and_then(|p| Level::BY_DEPTH.get(p.depth()).copied());
                match level {
                    Some(l) if levels.contains(&l) => Ok(()),
                    Some(l) => Err(format!(
                        "path {got} targets {}, expected {}",
                        l.describe(),
                        self.describe()
                    )),
                    None => Err(format!("path {got} is not an LwM2M path, expected {}", self.describe())),
                }
            }
        }
    }

    /// Whether a request on `got` could match, now or once the variables the templates name
    /// are captured: `check` passes, or a template cannot be rendered yet.
    pub fn may_match(&self, got: &str, vars: &Vars) -> bool {
        let unrendered = match self {
            PathMatcher::Is(t) => vars.render(t).is_err(),
            PathMatcher::OneOf(ts) => ts.iter().any(|t| vars.render(t).is_err()),
            PathMatcher::Targets(_) => false,
        };
        unrendered || self.check(got, vars).is_ok()
    }

    /// For failure messages: `/rd`, `one of /, /0/1`, `"/" or an Object Instance`.
    pub fn describe(&self) -> String {
        match self {
            PathMatcher::Is(t) => t.clone(),
            PathMatcher::OneOf(ts) => format!("one of {}", ts.join(", ")),
            PathMatcher::Targets(ls) => {
                let names: Vec<&str> = ls.iter().map(|l| l.describe()).collect();
                match names.split_last() {
                    Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
                    _ => names.concat(),
                }
            }
        }
    }

    /// "a PUT /rd request", or "a PUT request to an Object or an Object Instance".
    pub fn request_text(&self, method: impl std::fmt::Display) -> String {
        match self {
            PathMatcher::Targets(_) => format!("a {method} request to {self}"),
            _ => format!("a {method} {self} request"),
        }
    }
}

impl std::fmt::Display for PathMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(yaml: &str) -> PathMatcher {
        serde_yaml::from_str(yaml).expect("parses")
    }

    #[test]
    fn targets_accept_the_levels_named_and_say_what_they_saw() {
        let m = parse("{targets: [root, instance]}");
        let vars = Vars::default();
        assert_eq!(m.check("/", &vars), Ok(()));
        assert_eq!(m.check("/0/1", &vars), Ok(()));
        let err = m.check("/1", &vars).err().unwrap_or_default();
        assert_eq!(err, "path /1 targets an Object, expected \"/\" or an Object Instance");
        assert!(m.check("/bs", &vars).is_err());
    }

    #[test]
    fn templates_and_one_of_render_variables() {
        let mut vars = Vars::default();
        vars.set("location", "/rd/7");
        assert_eq!(parse("\"{location}\"").check("/rd/7", &vars), Ok(()));
        assert!(parse("{one_of: [/rd, \"{location}\"]}").check("/rd/8", &vars).is_err());
        let bad: Result<PathMatcher, _> = serde_yaml::from_str("{prefix: /rd}");
        assert!(bad.is_err());
    }
}
