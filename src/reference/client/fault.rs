//! Fault switches of the reference client: one per conformance case's `catches`.
//!
//! Each fault makes the client violate exactly the requirement its case judges and nothing else,
//! so that the self-test's "must fail" run fails for the right reason. New faults are one line
//! in the table below; the id is what `--fault` and a case's `catches` use.

/// Declares the `Fault` enum, its `ALL` list, the id / description lookups, `Display` and
/// `FromStr` (by id) from one table; `$dut` names the reference DUT in errors.
macro_rules! fault_table {
    ($dut:literal; $($variant:ident => $id:literal, $description:literal;)*) => {
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

            /// One sentence: what the reference DUT does wrong.
            pub fn description(self) -> &'static str {
                match self {
                    $(Fault::$variant => $description,)*
                }
            }

            /// The `--fault` arguments as a set; an unknown id is an error listing every fault.
            pub fn parse_all(ids: &[String]) -> Result<std::collections::BTreeSet<Fault>, String> {
                ids.iter().map(|id| id.parse::<Fault>()).collect::<Result<_, String>>().map_err(|e| {
                    let mut text = e;
                    for f in Fault::ALL {
                        text.push_str(&format!("\n  {:<40} {}", f.id(), f.description()));
                    }
                    text
                })
            }
        }

        impl std::fmt::Display for Fault {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl std::str::FromStr for Fault {
            type Err = String;

            fn from_str(s: &str) -> Result<Fault, String> {
                let id = s.trim();
                Fault::ALL
                    .iter()
                    .copied()
                    .find(|f| f.id() == id)
                    .ok_or_else(|| format!("unknown {} fault `{id}`", $dut))
            }
        }
    };
}

/// The reference server and bootstrap server declare their fault tables the same way.
pub(crate) use fault_table;

fault_table! {
    "reference-client";
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
    // --- Device Management, Information Reporting and Registration faults (dm_faults.rs,
    // observe.rs, resume.rs); each breaks one operation of its case and nothing else.
    DmNoReadResource => "dm-no-read-resource",
        "A Read of a single Resource is answered 4.05 Method Not Allowed.";
    DmNoReadInstance => "dm-no-read-instance",
        "A Read of an Object Instance is answered 4.05 Method Not Allowed.";
    DmNoReadObject => "dm-no-read-object",
        "A Read of an Object is answered 4.05 Method Not Allowed.";
    DmWriteReplaceNotApplied => "dm-write-replace-not-applied",
        "A Write (replace, PUT) is answered 2.04 Changed but the value is not stored.";
    DmNoWritePartial => "dm-no-write-partial",
        "A Write (partial update, POST on an Object Instance) is answered 4.05 Method Not Allowed.";
    DmNoExecute => "dm-no-execute",
        "An Execute is answered 4.05 Method Not Allowed and nothing is executed.";
    DmNoCreate => "dm-no-create",
        "A Create is answered 4.05 Method Not Allowed.";
    DmNoDelete => "dm-no-delete",
        "A Delete is answered 4.05 Method Not Allowed.";
    DmDiscoverOmitsResources => "dm-discover-omits-resources",
        "A Discover lists only Object and Object Instance links, none of the Resources.";
    DmNoWriteAttributes => "dm-no-write-attributes",
        "A Write-Attributes is answered 4.05 Method Not Allowed.";
    DmWriteAttributesRejectsStep => "dm-write-attributes-rejects-step",
        "A Write-Attributes carrying the Step (`st`) parameter is answered 4.00 Bad Request.";
    IrNoNotify => "ir-no-notify",
        "An Observe is answered, but no notification ever follows.";
    IrIgnoresCancelObservation => "ir-ignores-cancel-observation",
        "A GET with Observe=1 is answered like a Read, but the observation goes on.";
    IrNotifyIgnoresCancelRst => "ir-notify-ignores-cancel-rst",
        "A notification answered with RST does not cancel its observation.";
    IrObjectNotifyChangedResourceOnly => "ir-object-notify-changed-resource-only",
        "Notifications of an Object observation carry only the changed Resources, not their Object Instance.";
    IrReregisterWithUpdateAfterRestart => "ir-reregister-with-update-after-restart",
        "After a restart (observations forgotten) the client resumes its old registration with an Update instead of a Register.";
    IrIgnoresPmin => "ir-ignores-pmin",
        "Notifications ignore the Minimum Period (pmin): a change is notified at once.";
    IrIgnoresPmax => "ir-ignores-pmax",
        "Notifications ignore the Maximum Period (pmax): nothing is notified while the value stays the same.";
    // --- Bootstrap faults (bootstrap.rs, device.rs); each needs a Bootstrap-Server to show.
    BsAnswerDuringBootstrap => "bs-answer-during-bootstrap",
        "During a Client Initiated Bootstrap, requests not related to bootstrap (e.g. a Read) are answered.";
    BsWriteNeedsExistingInstance => "bs-write-needs-existing-instance",
        "A Bootstrap Write to an Object Instance that does not exist gets 4.04 instead of creating it.";
    BsDeleteRootRemovesBsAccount => "bs-delete-root-removes-bs-account",
        "Bootstrap Delete on \"/\" also deletes the Bootstrap-Server Account.";
    BsRegisterFirstServerOnly => "bs-register-first-server-only",
        "After Bootstrap-Finish, only the first configured LwM2M Server gets a Register.";
    BsNoFreshStart => "bs-no-fresh-start",
        "After Bootstrap-Finish, a registration made before is kept and Updated instead of a new Register.";
    SibAnswerDm => "sib-answer-dm",
        "During a Server Initiated Bootstrap, Device Management requests from an LwM2M Server are answered.";
    SibAnswerObserve => "sib-answer-observe",
        "During a Server Initiated Bootstrap, Observe requests from an LwM2M Server are answered.";
    RegNoRegisterRetry => "reg-no-register-retry",
        "An unanswered Register is never retransmitted (the next attempt comes only after the back-off).";
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
