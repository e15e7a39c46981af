//! Fault switches of the reference client: one per conformance case's `catches`.
//!
//! Each fault makes the client violate exactly the requirement its case judges and nothing else,
//! so that the self-test's "must fail" run fails for the right reason. New faults are one line
//! in the table below; the id is what `--fault` and a case's `catches` use.

use std::fmt;
use std::str::FromStr;

/// Declares the `Fault` enum, its `ALL` list and the id / description lookups from one table.
macro_rules! fault_table {
    ($($variant:ident => $id:literal, $description:literal;)*) => {
        /// A deliberate deviation from LwM2M 1.0 (see the table in `fault.rs`).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Fault {
            $(#[doc = $description] $variant,)*
        }

        impl Fault {
            /// Every fault, in table order.
            pub const ALL: &'static [Fault] = &[$(Fault::$variant,)*];

            /// The kebab-case id used by `--fault` and by a case's `catches`.
            pub fn id(self) -> &'static str {
                match self {
                    $(Fault::$variant => $id,)*
                }
            }

            /// One sentence: what the client does wrong.
            pub fn description(self) -> &'static str {
                match self {
                    $(Fault::$variant => $description,)*
                }
            }
        }
    };
}

fault_table! {
    RegisterWrongPath => "register-wrong-path",
        "Register is POSTed to /register instead of /rd.";
    RegisterOmitEndpoint => "register-omit-endpoint",
        "Register carries no `ep` (Endpoint Client Name) query parameter.";
    RegisterEmptyObjectList => "register-empty-object-list",
        "Register payload is empty: no Object or Object Instance links.";
    RegisterLifetimeMismatch => "register-lifetime-mismatch",
        "Register's `lt` is one more than the Server Object's Lifetime resource /1/0/1.";
    RegisterInvalidBinding => "register-invalid-binding",
        "Register's `b` is `X`, not a valid LwM2M 1.0 binding mode.";
    UpdateWrongLocation => "update-wrong-location",
        "Update is POSTed to /rd/wrong instead of the location returned by Register.";
    DeregisterWrongLocation => "deregister-wrong-location",
        "De-register DELETEs /rd/wrong instead of the location returned by Register.";
    DmAnswerBeforeRegistrationAck => "dm-answer-before-registration-ack",
        "Device Management requests received before the Register is acknowledged are answered.";
    IrAnswerBeforeRegistrationAck => "ir-answer-before-registration-ack",
        "Observe requests received before the Register is acknowledged are answered.";
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Fault, String> {
        let id = s.trim();
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.id() == id)
            .ok_or_else(|| format!("unknown reference-client fault `{id}`"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_parse_back() {
        let mut seen = std::collections::BTreeSet::new();
        for f in Fault::ALL {
            let id = f.id();
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{id} is not kebab-case"
            );
            assert!(!f.description().is_empty());
            assert_eq!(id.parse::<Fault>(), Ok(*f));
            assert_eq!(f.to_string(), id);
        }
    }

    #[test]
    fn unknown_id_is_named_in_the_error() {
        let err = "register-wrong-pth".parse::<Fault>().err().unwrap_or_default();
        assert!(err.contains("register-wrong-pth"), "{err}");
    }
}
