//! Expectations as sets of acceptable outcomes. Each `check` returns `Err(reason)` saying what
//! differed, which goes verbatim into a failure's "observed" text.

use serde::Deserialize;
use std::collections::BTreeMap;

use crate::coap::Code;
use crate::lwm2m::{Content, ContentFormat, Link, Path};
use crate::template::Vars;

/// A value check for a query parameter or a resource value.
///
/// YAML forms: `present`, `absent`, a literal (templated) such as `"{endpoint}"`, or
/// `{one_of: [U, UQ], optional: true}`.
#[derive(Clone, Debug, PartialEq)]
pub enum TextMatcher {
    /// `present`: there, with any value (or none).
    Present,
    /// `absent`: not there at all.
    Absent,
    /// A literal: equal to the rendered template.
    Equals(String),
    /// `{one_of: [...]}`: equal to one of the rendered templates.
    OneOf {
        /// The accepted values (templates).
        values: Vec<String>,
        /// Also accept the parameter or resource being absent.
        optional: bool,
    },
    /// `{starts_with: ...}`: a value with the rendered template as prefix.
    StartsWith(String),
}

impl<'de> Deserialize<'de> for TextMatcher {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct OneOf {
            one_of: Vec<serde_yaml::Value>,
            #[serde(default)]
            optional: bool,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct StartsWith {
            starts_with: String,
        }
        let v = serde_yaml::Value::deserialize(d)?;
        match v {
            serde_yaml::Value::Mapping(ref m) if m.contains_key("starts_with") => {
                let s: StartsWith = serde_yaml::from_value(v).map_err(serde::de::Error::custom)?;
                Ok(TextMatcher::StartsWith(s.starts_with))
            }
            serde_yaml::Value::Mapping(_) => {
                let o: OneOf = serde_yaml::from_value(v).map_err(serde::de::Error::custom)?;
                let values = o
                    .one_of
                    .iter()
                    .map(scalar_text)
                    .collect::<Result<_, _>>()
                    .map_err(serde::de::Error::custom)?;
                Ok(TextMatcher::OneOf {
                    values,
                    optional: o.optional,
                })
            }
            other => {
                let s = scalar_text(&other).map_err(serde::de::Error::custom)?;
                Ok(match s.as_str() {
                    "present" => TextMatcher::Present,
                    "absent" => TextMatcher::Absent,
                    _ => TextMatcher::Equals(s),
                })
            }
        }
    }
}

fn scalar_text(v: &serde_yaml::Value) -> Result<String, String> {
    match v {
        serde_yaml::Value::String(s) => Ok(s.clone()),
        serde_yaml::Value::Number(n) => Ok(n.to_string()),
        serde_yaml::Value::Bool(b) => Ok(if *b { "1" } else { "0" }.to_string()),
        _ => Err("expected `present`, `absent`, a value, {one_of: [...], optional: bool} or {starts_with: ...}".into()),
    }
}

impl TextMatcher {
    /// `actual`: None when the parameter/resource is missing; Some(None) for a query parameter with
    /// no `=value`.
    pub fn check(&self, what: &str, actual: Option<&str>, vars: &Vars) -> Result<(), String> {
        match (self, actual) {
            (TextMatcher::Present, Some(_)) => Ok(()),
            (TextMatcher::Present, None) => Err(format!("{what} is missing")),
            (TextMatcher::Absent, None) => Ok(()),
            (TextMatcher::Absent, Some(v)) => Err(format!("{what} is present (`{v}`) but must be absent")),
            (TextMatcher::Equals(t), a) => {
                let want = vars.render(t)?;
                match a {
                    Some(v) if v == want => Ok(()),
                    Some(v) => Err(format!("{what} is `{v}`, expected `{want}`")),
                    None => Err(format!("{what} is missing, expected `{want}`")),
                }
            }
            (TextMatcher::StartsWith(t), a) => {
                let want = vars.render(t)?;
                match a {
                    Some(v) if v.starts_with(&want) => Ok(()),
                    Some(v) => Err(format!("{what} is `{v}`, expected it to start with `{want}`")),
                    None => Err(format!("{what} is missing, expected it to start with `{want}`")),
                }
            }
            (TextMatcher::OneOf { optional: true, .. }, None) => Ok(()),
            (TextMatcher::OneOf { values, .. }, a) => {
                let wanted = values.iter().map(|t| vars.render(t)).collect::<Result<Vec<_>, _>>()?;
                match a {
                    Some(v) if wanted.iter().any(|w| w == v) => Ok(()),
                    Some(v) => Err(format!("{what} is `{v}`, expected one of {}", wanted.join(", "))),
                    None => Err(format!("{what} is missing, expected one of {}", wanted.join(", "))),
                }
            }
        }
    }
}

/// One code or a list of acceptable codes.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeSet(pub Vec<Code>);

impl<'de> Deserialize<'de> for CodeSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Many(Vec<Code>),
            One(Code),
        }
        Ok(
            match Form::deserialize(d)
                .map_err(|_| serde::de::Error::custom("expected a CoAP code (\"2.05\") or a list of codes"))?
            {
                Form::Many(v) => CodeSet(v),
                Form::One(c) => CodeSet(vec![c]),
            },
        )
    }
}

impl CodeSet {
    /// Ok when `code` is one of the set; otherwise the observed text for the failure.
    pub fn check(&self, code: Code) -> Result<(), String> {
        if self.0.contains(&code) {
            Ok(())
        } else {
            Err(format!("code is {code}, expected {}", self.describe()))
        }
    }

    /// The expected codes in words, `2.04` or `one of 2.04, 2.01`.
    pub fn describe(&self) -> String {
        let v: Vec<String> = self.0.iter().map(|c| c.to_string()).collect();
        if v.len() == 1 {
            v[0].clone()
        } else {
            format!("one of {}", v.join(", "))
        }
    }
}

/// Acceptable content formats: names (`tlv`, `senml-json`, `link-format`, ...), numbers, or
/// `requested` (the Accept the harness sent, or any format the profile declares when it sent none).
#[derive(Clone, Debug, PartialEq)]
pub struct FormatSet(pub Vec<FormatChoice>);

/// One acceptable Content-Format of a [`FormatSet`].
#[derive(Clone, Debug, PartialEq)]
pub enum FormatChoice {
    /// This format (its legacy number is not accepted for it).
    Is(ContentFormat),
    /// `requested`: what the harness's Accept asked for, or any format the profile declares.
    Requested,
    /// `none`: no Content-Format option at all.
    Absent,
}

impl<'de> Deserialize<'de> for FormatSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Many(Vec<serde_yaml::Value>),
            One(serde_yaml::Value),
        }
        let items = match Form::deserialize(d)? {
            Form::Many(v) => v,
            Form::One(v) => vec![v],
        };
        let mut out = Vec::new();
        for it in items {
            let s = scalar_text(&it).map_err(serde::de::Error::custom)?;
            if s == "requested" {
                out.push(FormatChoice::Requested);
            } else if s == "none" {
                out.push(FormatChoice::Absent);
            } else {
                let f = ContentFormat::from_name(&s).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown content format `{s}` (use text, link-format, opaque, tlv, senml-json, senml-cbor, a number, requested, or none)"
                    ))
                })?;
                out.push(FormatChoice::Is(f));
            }
        }
        Ok(FormatSet(out))
    }
}

impl FormatSet {
    /// Ok when the message's Content-Format (`actual`, None when absent) is allowed;
    /// `requested` is what `requested` stands for at this step.
    pub fn check(&self, actual: Option<u16>, requested: &[ContentFormat]) -> Result<(), String> {
        let allowed: Vec<ContentFormat> = self
            .0
            .iter()
            .flat_map(|c| match c {
                FormatChoice::Is(f) => vec![*f],
                FormatChoice::Requested => requested.to_vec(),
                FormatChoice::Absent => vec![],
            })
            .collect();
        match actual.map(ContentFormat) {
            None if self.0.contains(&FormatChoice::Absent) => Ok(()),
            Some(f) if allowed.contains(&f) => Ok(()),
            Some(f) => Err(format!("content format is {f}, expected {}", list(&allowed))),
            None => Err(format!("no Content-Format option, expected {}", list(&allowed))),
        }
    }
}

impl FormatSet {
    /// The first named format: how to read a payload that arrived without a Content-Format.
    pub fn first_concrete(&self) -> Option<ContentFormat> {
        self.0.iter().find_map(|c| match c {
            FormatChoice::Is(f) => Some(*f),
            _ => None,
        })
    }
}

fn list(fs: &[ContentFormat]) -> String {
    fs.iter().map(|f| f.to_string()).collect::<Vec<_>>().join(" or ")
}

/// Checks on a decoded payload. All given checks must hold.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PayloadMatcher {
    /// The payload must be empty (true) or non-empty (false).
    #[serde(default)]
    pub empty: Option<bool>,
    /// CoRE link format: these link targets must all be present (templated).
    #[serde(default)]
    pub links_include: Vec<String>,
    /// CoRE link format: no link may match any of these (templated): a link matches when its
    /// target does and it has every attribute given, so `</0/1>` forbids the link outright and
    /// `</0/1>;ssid=1` only with that `ssid`. In both lists a `*` path segment stands for any
    /// one id (`</0/*>;uri="{bootstrap_uri}"`: some Security Object Instance pointing there).
    #[serde(default)]
    pub links_exclude: Vec<String>,
    /// CoRE link format: at least one link names an Object or Object Instance (`</3>`, `</3/0>`).
    #[serde(default)]
    pub object_links: bool,
    /// Decoded resources: path -> value check (`present`, `absent`, a value, one_of).
    #[serde(default)]
    pub resources: BTreeMap<String, TextMatcher>,
}

impl PayloadMatcher {
    /// Ok when every given check holds on the payload (`raw`, and `content` as decoded, or why
    /// it does not decode); otherwise the first that does not, as the failure's observed text.
    pub fn check(&self, raw: &[u8], content: &Result<Content, String>, vars: &Vars) -> Result<(), String> {
        if let Some(want_empty) = self.empty
            && want_empty != raw.is_empty()
        {
            return Err(if want_empty {
                format!("payload has {} bytes, expected none", raw.len())
            } else {
                "payload is empty".to_string()
            });
        }
        let has_link_checks = !self.links_include.is_empty() || !self.links_exclude.is_empty() || self.object_links;
        let needs_content = has_link_checks || !self.resources.is_empty();
        if !needs_content {
            return Ok(());
        }
        let content = content.as_ref().map_err(|e| format!("payload does not decode: {e}"))?;
        if has_link_checks {
            let Content::Links(links) = content else {
                return Err("payload is not CoRE link format".into());
            };
            for t in &self.links_include {
                // `</3/0>` or `</3/0>;pmin=10;pmax=200`: the link, and each attribute given.
                for w in &wanted_links("links_include", t, vars)? {
                    links_include_one(links, w)?;
                }
            }
            for t in &self.links_exclude {
                for w in &wanted_links("links_exclude", t, vars)? {
                    if let Some(l) = links.iter().find(|l| link_matches(l, w)) {
                        let shown = crate::lwm2m::link_format::serialize(std::slice::from_ref(l));
                        return Err(format!("link {shown} is present, matching excluded <{}>", w.target));
                    }
                }
            }
            if self.object_links
                && !links
                    .iter()
                    .any(|l| l.path().is_some_and(|p| p.object.is_some() && p.resource.is_none()))
            {
                return Err("no Object or Object Instance link in the payload".into());
            }
        }
        if !self.resources.is_empty() {
            let Content::Records(records) = content else {
                return Err("payload holds no resource values".into());
            };
            for (path, m) in &self.resources {
                let p: Path = vars
                    .render(path)?
                    .parse()
                    .map_err(|e| format!("bad path `{path}` in case: {e}"))?;
                let found = records.iter().find(|r| r.path == p);
                let text = found.map(|r| r.value.to_text());
                let what = format!("resource {p}");
                match (m, found) {
                    // Compare typed: an untyped TLV value matches "1" as integer, string or bool.
                    (TextMatcher::Equals(t), Some(r)) => {
                        let want = vars.render(t)?;
                        if !r.value.matches_text(&want) {
                            return Err(format!("{what} is `{}`, expected `{want}`", r.value.to_text()));
                        }
                    }
                    _ => m.check(&what, text.as_deref(), vars)?,
                }
            }
        }
        Ok(())
    }
}

/// The links a `links_include`/`links_exclude` entry names, rendered and parsed.
fn wanted_links(list: &str, template: &str, vars: &Vars) -> Result<Vec<Link>, String> {
    let want = vars.render(template)?;
    crate::lwm2m::link_format::parse(&want).map_err(|e| format!("{list} `{want}` is not link format: {e}"))
}

/// `pattern` names `target`, a `*` segment standing for any one segment.
fn target_matches(pattern: &str, target: &str) -> bool {
    if !pattern.contains('*') {
        return pattern == target;
    }
    let (mut p, mut t) = (pattern.split('/'), target.split('/'));
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some("*"), Some(seg)) if !seg.is_empty() => {}
            (Some(a), Some(b)) if a == b => {}
            _ => return false,
        }
    }
}

/// `link` has `want`'s target and every attribute `want` gives, with its value.
fn link_matches(link: &Link, want: &Link) -> bool {
    target_matches(&want.target, &link.target)
        && want
            .attributes
            .iter()
            .all(|(name, value)| link.attribute(name) == Some(value.as_deref()))
}

/// Some link matches `want`; else why not: no link with the target, or how the first one with
/// it differs.
fn links_include_one(links: &[Link], want: &Link) -> Result<(), String> {
    if links.iter().any(|l| link_matches(l, want)) {
        return Ok(());
    }
    let Some(link) = links.iter().find(|l| target_matches(&want.target, &l.target)) else {
        return Err(format!("link <{}> is missing", want.target));
    };
    for (name, value) in &want.attributes {
        let got = link.attribute(name);
        if got != Some(value.as_deref()) {
            let got = got.map(|v| v.unwrap_or("(no value)").to_string());
            return Err(format!(
                "link <{}> has {name}={}, expected {}",
                link.target,
                got.as_deref().unwrap_or("nothing"),
                value.as_deref().unwrap_or("(no value)")
            ));
        }
    }
    Ok(())
}
