//! What serde cannot check in a DUT profile: exactly one of launch and attach, placeholders the
//! harness fills, console captures that compile, one way to stop, loopback addresses only, known
//! features and content formats. Each problem is `field: message`, placed by the loader.

use super::loopback::not_loopback;
use super::model::{Attach, Profile};
use crate::case::names::{ATTRIBUTE_PLACEHOLDERS, TRIGGER_PLACEHOLDERS, check_trigger, endpoint_allowed};
use crate::lwm2m::Role;
use crate::lwm2m::version::LwM2mVersion;
use crate::template::{Vars, placeholders};

impl Profile {
    /// An attached DUT is reached at a fixed loopback address: which one depends on the role.
    fn validate_attach(&self, a: &Attach) -> Result<(), String> {
        let (key, addr, other) = match self.role {
            Role::Client => ("server_bind", a.server_bind, a.dut_address.map(|_| "dut_address")),
            _ => ("dut_address", a.dut_address, a.server_bind.map(|_| "server_bind")),
        };
        if let Some(other) = other {
            return Err(format!(
                "attach.{other}: not for a {} DUT (give attach.{key})",
                self.role.as_str()
            ));
        }
        let Some(addr) = addr else {
            return Err(format!("attach.{key}: required for a {} DUT", self.role.as_str()));
        };
        if !addr.ip().is_loopback() {
            return Err(format!(
                "attach.{key}: {addr} is not a loopback address; the harness only uses loopback"
            ));
        }
        if let Some((op, _)) = self.triggers.iter().find(|(_, t)| t.stdin.is_some()) {
            return Err(format!(
                "triggers.{op}: a stdin trigger needs a DUT the harness launches; an attached one takes `shell` or `http`"
            ));
        }
        Ok(())
    }

    /// Every `{placeholder}` of the profile's templates must be one the harness fills, and every
    /// trigger must name an operation a case can trigger.
    fn validate_templates(&self) -> Result<(), String> {
        let role = self.role;
        // `{server_uri}`, `{client_host}`, `{dut_port}`, ...: an endpoint of the trial.
        let endpoint = |name: &str| {
            name.rsplit_once('_').is_some_and(|(ep, part)| {
                ["host", "port", "uri"].contains(&part) && (endpoint_allowed(role, ep) || ep == "dut" || ep == "client")
            })
        };
        let check = |field: String, template: &str, extra: &[&str]| -> Result<(), String> {
            for name in placeholders(template) {
                if !(extra.contains(&name) || endpoint(name)) {
                    return Err(format!(
                        "{field}: unknown placeholder `{{{name}}}` (known: {}, and {{NAME_host}}, {{NAME_port}}, {{NAME_uri}} of the trial's endpoints)",
                        extra.join(", ")
                    ));
                }
            }
            Ok(())
        };
        for name in placeholders(&self.endpoint) {
            if !["case", "pid"].contains(&name) {
                return Err(format!("endpoint: unknown placeholder `{{{name}}}` (known: case, pid)"));
            }
        }
        const LAUNCH: &[&str] = &["exe", "endpoint", "case", "dut_args"];
        for (_, key, launch) in self.launches() {
            let Some(l) = launch else { continue };
            for t in l.command.iter().chain(&l.shell) {
                check(key.to_string(), t, LAUNCH)?;
            }
            for (var, t) in &l.env {
                check(format!("{key}.env.{var}"), t, LAUNCH)?;
            }
            for (i, t) in l.stdin.iter().enumerate() {
                check(format!("{key}.stdin[{i}]"), t, LAUNCH)?;
            }
        }
        let mut trigger: Vec<&str> = TRIGGER_PLACEHOLDERS
            .iter()
            .chain(ATTRIBUTE_PLACEHOLDERS)
            .copied()
            .collect();
        for (i, c) in self.captures.iter().enumerate() {
            let field = format!("captures[{i}]");
            check(format!("{field}.pattern"), &c.pattern, LAUNCH)?;
            let taken = trigger.contains(&c.name.as_str()) || LAUNCH.contains(&c.name.as_str()) || endpoint(&c.name);
            let word = !c.name.is_empty() && c.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if taken || !word {
                return Err(format!(
                    "{field}.as: `{}` must be a new name of letters, digits and `_` (not one the harness fills)",
                    c.name
                ));
            }
            if self.captures[..i].iter().any(|o| o.name == c.name) {
                return Err(format!("{field}.as: `{}` is captured twice", c.name));
            }
            trigger.push(&c.name);
        }
        for (op, t) in &self.triggers {
            check_trigger(op).map_err(|e| format!("triggers: {e}"))?;
            for template in t.templates() {
                check(format!("triggers.{op}"), template, &trigger)?;
            }
        }
        Ok(())
    }

    /// Captures and stdin stops need a process the harness started; a pattern must compile with
    /// exactly one capture group; a stop is one of the three ways.
    fn validate_console(&self) -> Result<(), String> {
        for (i, c) in self.captures.iter().enumerate() {
            let field = format!("captures[{i}].pattern");
            // Placeholders stand for literal text: any will do to see whether the rest compiles.
            let mut vars = Vars::default();
            for name in placeholders(&c.pattern) {
                vars.set(name, "x");
            }
            let re = vars
                .render(&c.pattern)
                .and_then(|p| regex::Regex::new(&p).map_err(|e| e.to_string()))
                .map_err(|e| format!("{field}: {e}"))?;
            if re.captures_len() != 2 {
                return Err(format!(
                    "{field}: needs exactly one capture group `( )` (it has {}); write others as `(?: )`",
                    re.captures_len() - 1
                ));
            }
        }
        let s = &self.stop;
        let ways = usize::from(s.signal.is_some()) + usize::from(s.stdin.is_some()) + usize::from(s.close_stdin);
        if ways > 1 {
            return Err("stop: give one of signal, stdin, close_stdin".into());
        }
        if self.attach.is_some() {
            if !self.captures.is_empty() {
                return Err(
                    "captures: need a DUT the harness launches (an attached one's output is not the harness's to read)"
                        .into(),
                );
            }
            if ways > 0 {
                return Err("stop: an attached DUT is not stopped by the harness".into());
            }
        }
        Ok(())
    }

    /// Check what serde cannot: exactly one of launch/attach, and a usable launch.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.launch, &self.attach) {
            (Some(_), Some(_)) => return Err("launch and attach: give one, not both".into()),
            (None, None) => return Err("launch or attach: one is required".into()),
            _ => {}
        }
        if let Some(l) = &self.launch
            && l.command.is_empty() == l.shell.is_none()
        {
            return Err("launch: give either command (a list) or shell (a string)".into());
        }
        if let Some(a) = &self.attach {
            self.validate_attach(a)?;
        }
        for (op, t) in &self.triggers {
            if let Some(why) = t.http.as_ref().and_then(|h| not_loopback(&h.url)) {
                return Err(format!("triggers.{op}.http.url: {why}"));
            }
        }
        self.validate_templates()?;
        self.validate_console()?;
        if let Some(b) = self.binds
            && !(b.ip().is_loopback() || b.ip().is_unspecified())
        {
            return Err(format!(
                "binds: {b} is neither a loopback nor the wildcard address; the harness only uses loopback"
            ));
        }
        for f in &self.features {
            if crate::feature::get(f).is_none() {
                return Err(format!("features: {}", crate::feature::unknown(f)));
            }
            if f == crate::feature::LWM2M_1_1 && self.lwm2m_version < LwM2mVersion::V1_1 {
                return Err(format!(
                    "features: `{f}` declares the LwM2M 1.1 mechanisms; the profile must also say `lwm2m_version: \"1.1\"`"
                ));
            }
        }
        for f in &self.content_formats {
            if crate::lwm2m::ContentFormat::from_name(f).is_none() {
                return Err(format!("content_formats: unknown format `{f}`"));
            }
        }
        Ok(())
    }
}
