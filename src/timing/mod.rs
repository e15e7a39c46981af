//! Time in the YAML: a DUT's timing (a profile's `timing:`, the one place its defaults are
//! written) and the windows cases write against it (`within: response`), resolved in one place,
//! [`Timing::resolve`].

pub mod wait;

use serde::Deserialize;
use std::time::Duration;

pub use wait::{Base, Wait, de_duration};

/// How long the DUT may take; a key the profile leaves out takes its default.
// The defaults are written in one place, `Timing::default`; the schema states them from there.
#[derive(Clone, Debug, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
#[schemars(transform = timing_defaults)]
pub struct Timing {
    /// How long the DUT may take to answer a request or send the next message of an exchange.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "Wait")]
    pub response_timeout: Duration,
    /// How long silence must last to count as "the DUT sent nothing".
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "Wait")]
    pub quiet_window: Duration,
    /// How long a freshly started DUT may take to send its first message.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "Wait")]
    pub startup_timeout: Duration,
    /// The DUT's Client Hold Off Time (Security Object resource 11 of its factory
    /// Bootstrap-Server Account, LwM2M TS 1.0.2 Appendix E.1): how long a client waits before
    /// each Client Initiated Bootstrap. Cases add it (`startup + hold_off`) to windows that wait
    /// for a Bootstrap-Request; 0 when the profile does not say.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "Wait")]
    pub client_hold_off_time: Duration,
    /// The least time between two lines the harness writes to the DUT's stdin (launch `stdin`
    /// lines, stdin triggers, a stdin stop). A console that reads stdin with one `read()` per
    /// command and takes only the first line of what it got needs it; 0 (default) writes each
    /// line as soon as it is due.
    #[serde(deserialize_with = "de_duration")]
    #[schemars(with = "Wait")]
    pub stdin_interval: Duration,
}

impl Timing {
    /// How long a step's `within` lasts against this profile: the one place a symbolic wait
    /// becomes a duration (the engine and `bench` both use it).
    pub fn resolve(&self, w: Wait) -> Duration {
        let base = |b: Base| match b {
            Base::Response => self.response_timeout,
            Base::Quiet => self.quiet_window,
            Base::Startup => self.startup_timeout,
        };
        match w {
            Wait::Fixed(d) => d,
            Wait::Response => base(Base::Response),
            Wait::Quiet => base(Base::Quiet),
            Wait::Startup => base(Base::Startup),
            Wait::PlusHoldOff(b) => base(b) + self.client_hold_off_time,
        }
    }
}

impl Default for Timing {
    /// The timing of a profile that says none: the one place the defaults are written.
    fn default() -> Self {
        Timing {
            response_timeout: Duration::from_secs(5),
            quiet_window: Duration::from_secs(2),
            startup_timeout: Duration::from_secs(10),
            client_hold_off_time: Duration::ZERO,
            stdin_interval: Duration::ZERO,
        }
    }
}

/// The schema states each default as a profile writes it (`5s`), from [`Timing::default`].
fn timing_defaults(schema: &mut schemars::Schema) {
    let d = Timing::default();
    let defaults = [
        ("response_timeout", d.response_timeout),
        ("quiet_window", d.quiet_window),
        ("startup_timeout", d.startup_timeout),
        ("client_hold_off_time", d.client_hold_off_time),
        ("stdin_interval", d.stdin_interval),
    ];
    let Some(properties) = schema.get_mut("properties").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for (name, value) in defaults {
        if let Some(property) = properties.get_mut(name).and_then(|p| p.as_object_mut()) {
            let written = humantime::format_duration(value).to_string();
            property.insert("default".into(), serde_json::Value::String(written));
        }
    }
}
