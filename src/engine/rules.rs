//! `each_request` rules: checked on every new request of the DUT as it arrives, whatever step
//! is running; a violation fails the case at once, citing the rule's requirement and frame.

use std::time::Duration;

use super::{Engine, Judgement, Outcome};
use crate::verdict::Failure;

impl Engine {
    pub(super) fn check_rules(&mut self, _now: Duration, i: usize) {
        let Some(inc) = self.incoming.get(i) else { return };
        let version = self.setup.lwm2m_version;
        let broken = self.case.each_request.iter().find_map(|rule| {
            // A rule of another LwM2M version than the DUT's does not bind it.
            if rule.method != inc.msg.code || !version.within(&rule.versions) {
                return None;
            }
            let observe = inc.msg.observe().map(|v| v.to_string());
            if let Some(o) = &rule.observe
                && o.check("Observe option", observe.as_deref(), &self.vars).is_err()
            {
                return None;
            }
            rule.path
                .check(&inc.msg.uri_path(), &self.vars)
                .err()
                .map(|why| (rule, why))
        });
        let Some((rule, why)) = broken else { return };
        let name = rule
            .name
            .clone()
            .unwrap_or_else(|| format!("each {} targets {}", rule.method, rule.path));
        let requirements: Vec<String> = match &rule.requirement {
            Some(r) => vec![r.clone()],
            None => self.case.requirements.clone(),
        };
        let requirement = requirements.join(", ");
        let expected = format!("every {} request to target {}", rule.method, rule.path);
        let observed = format!("frame {}: {} — {why}", inc.frame, inc.msg);
        let message = format!(
            "during step {} (rule: {name}) [{requirement}]: expected {expected}; observed {observed}",
            self.step + 1
        );
        let failure = Failure {
            step: self.step + 1,
            step_name: format!("rule: {name}"),
            requirements,
            expected,
            observed,
            frames: vec![inc.frame],
        };
        self.finish(Outcome {
            judgement: Judgement::Fail,
            message,
            failure: Some(failure),
        });
    }
}
