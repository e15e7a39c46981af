//! The features a DUT profile declares (`features:`) and a case `needs:`: the one list of their
//! names and meanings. A case needing a feature the profile does not declare is skipped with
//! that reason; a name in neither list is an error where it is written, so a typo cannot turn a
//! case into a silent skip.
//!
//! LwM2M 1.1 added optional mechanisms a client may implement one by one (most are optional
//! resources of the Server Object, TS 1.1.1 Appendix E.2). Each is a feature of its own; the
//! umbrella `lwm2m-1.1` declares them all at once.

/// One feature: its name and what declaring it promises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feature {
    /// The name profiles and cases write, e.g. `registration-order`.
    pub name: &'static str,
    /// What a DUT declaring it implements, with the specification's reference.
    pub meaning: &'static str,
    /// Declared by the umbrella `lwm2m-1.1`.
    pub lwm2m_1_1: bool,
}

/// The umbrella: every optional LwM2M 1.1 mechanism below.
pub const LWM2M_1_1: &str = "lwm2m-1.1";

const fn f(name: &'static str, meaning: &'static str) -> Feature {
    Feature {
        name,
        meaning,
        lwm2m_1_1: false,
    }
}

const fn v11(name: &'static str, meaning: &'static str) -> Feature {
    Feature {
        name,
        meaning,
        lwm2m_1_1: true,
    }
}

/// Every feature, in the order the documentation lists them.
pub const FEATURES: &[Feature] = &[
    f(
        "launch",
        "the harness starts and stops the DUT per trial (stop and restart cases)",
    ),
    f(
        "deregister-on-stop",
        "stopping the client makes it De-register before it exits",
    ),
    f(
        "queue-mode",
        "the server supports clients in Queue Mode (binding `Q` / `UQ`)",
    ),
    f("client-initiated-bootstrap", "the Client Initiated Bootstrap mode"),
    f("server-initiated-bootstrap", "the Server Initiated Bootstrap mode"),
    f(
        LWM2M_1_1,
        "shorthand for every optional LwM2M 1.1 mechanism below (needs `lwm2m_version: \"1.1\"`)",
    ),
    v11(
        "bootstrap-request-trigger",
        "the client initiates a Client Initiated Bootstrap when the Server Object's Bootstrap-Request Trigger (/1/x/9) is executed",
    ),
    v11(
        "registration-order",
        "the client registers in the order of the Server Object's Registration Priority Order (/1/x/13)",
    ),
    v11(
        "initial-registration-delay",
        "the client waits the Server Object's Initial Registration Delay Timer (/1/x/14) before registering",
    ),
    v11(
        "registration-failure-block",
        "the client applies the Server Object's Registration Failure Block (/1/x/15)",
    ),
    v11(
        "bootstrap-on-registration-failure",
        "the client applies the Server Object's Bootstrap on Registration Failure (/1/x/16)",
    ),
    v11(
        "communication-retry",
        "the client applies the Server Object's Communication Retry Count, Retry Timer, Sequence Delay Timer and Sequence Retry Count (/1/x/17-20)",
    ),
    v11(
        "bootstrap-read",
        "the client answers Bootstrap-Read (LwM2M 1.1) of the Server and Access Control Objects",
    ),
    v11(
        "bootstrap-discover",
        "the client answers Bootstrap-Discover listing its Object Instances, with `ssid` on Security and Server instances",
    ),
];

/// The feature named `name`, if there is one.
pub fn get(name: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|f| f.name == name)
}

/// An error for a name that is no feature, listing the known ones.
pub fn unknown(name: &str) -> String {
    let known: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    format!("unknown feature `{name}` (known: {})", known.join(", "))
}

/// Whether a profile declaring `declared` has `needed`: declared itself, or by the umbrella.
pub fn declares(declared: &[String], needed: &str) -> bool {
    declared.iter().any(|d| d == needed)
        || (get(needed).is_some_and(|f| f.lwm2m_1_1) && declared.iter().any(|d| d == LWM2M_1_1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umbrella_declares_each_1_1_mechanism_and_nothing_else() {
        let umbrella = vec![LWM2M_1_1.to_string()];
        assert!(declares(&umbrella, "registration-order"));
        assert!(declares(&umbrella, "bootstrap-read"));
        assert!(!declares(&umbrella, "launch"));
        assert!(!declares(
            &["registration-order".to_string()],
            "initial-registration-delay"
        ));
        assert!(declares(&["registration-order".to_string()], "registration-order"));
    }

    /// The profile template and the case language's README document every feature.
    #[test]
    fn every_feature_is_documented() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let template = std::fs::read_to_string(root.join("duts/template.yaml")).expect("template");
        let readme = std::fs::read_to_string(root.join("testcases/README.md")).expect("README");
        for f in FEATURES {
            assert!(
                template.contains(f.name),
                "duts/template.yaml does not list `{}`",
                f.name
            );
            if f.lwm2m_1_1 {
                assert!(
                    readme.contains(&format!("`{}`", f.name)),
                    "testcases/README.md: `{}`",
                    f.name
                );
            }
        }
    }

    #[test]
    fn unknown_names_are_listed() {
        assert!(get("registration-ordr").is_none());
        assert!(unknown("x").contains("registration-order"));
    }
}
