//! `{name}` substitution in case and profile strings. Variables come from the trial (`{endpoint}`,
//! `{reg_id}`, ...) and from captures of earlier messages (`{location}`, `{lt}`, ...).

use std::collections::BTreeMap;

/// The variables a trial's templates are rendered with: name to value.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Vars(BTreeMap<String, String>);

impl Vars {
    /// Sets `{name}`, replacing an earlier value (a later capture wins).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.insert(name.to_string(), value.into());
    }

    /// `{<name>_host}`, `{<name>_port}` and `{<name>_uri}` for an endpoint (`server`, `dut`, ...).
    pub fn set_endpoint(&mut self, name: &str, addr: std::net::SocketAddr) {
        self.set(&format!("{name}_host"), addr.ip().to_string());
        self.set(&format!("{name}_port"), addr.port().to_string());
        self.set(&format!("{name}_uri"), format!("coap://{addr}"));
    }

    /// Every value passed through `f` (e.g. escaped for a regular expression).
    pub fn map_values(&mut self, f: impl Fn(&str) -> String) {
        for v in self.0.values_mut() {
            *v = f(v);
        }
    }

    /// The value of `{name}`; None when nothing set it (yet).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Replace every `{name}`; `{{` and `}}` stand for literal braces (CoRE links never need
    /// them, but JSON payloads might). An unknown name is an error naming it.
    pub fn render(&self, template: &str) -> Result<String, String> {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(i) = rest.find(['{', '}']) {
            out.push_str(&rest[..i]);
            let tail = &rest[i..];
            if tail.starts_with("{{") || tail.starts_with("}}") {
                out.push_str(&tail[..1]);
                rest = &tail[2..];
                continue;
            }
            if tail.starts_with('}') {
                return Err(format!("unmatched `}}` in `{template}`"));
            }
            let end = tail.find('}').ok_or_else(|| format!("unclosed `{{` in `{template}`"))?;
            let name = &tail[1..end];
            match self.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    let known: Vec<&str> = self.0.keys().map(String::as_str).collect();
                    return Err(format!("unknown variable `{{{name}}}` (known: {})", known.join(", ")));
                }
            }
            rest = &tail[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The `{name}`s a template uses (`{{` and `}}` are literal braces; other braces, as in a regex's
/// `{1,3}`, are not names).
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            continue;
        }
        rest = &tail[1..];
        if let Some(end) = tail.find('}')
            && tail.starts_with('{')
        {
            let name = &tail[1..end];
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                out.push(name);
                rest = &tail[end + 1..];
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_known_and_rejects_unknown() {
        let mut v = Vars::default();
        v.set("location", "/rd/7");
        assert_eq!(v.render("{location}/x").as_deref(), Ok("/rd/7/x"));
        assert_eq!(v.render("{{literal}}").as_deref(), Ok("{literal}"));
        assert!(v.render("{nope}").unwrap_err().contains("unknown variable `{nope}`"));
        assert!(v.render("{open").is_err());
    }
}
