//! Fault switches of the reference client: one per conformance case's `catches`.
//!
//! Each fault makes the client violate exactly the requirement its case judges and nothing else,
//! so that the self-test's "must fail" run fails for the right reason. New faults are one line
//! in the table below; the id is what `--fault` and a case's `catches` use.

use crate::reference::fault_table::fault_table;

fault_table! {
    dut: "reference-client";
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
    IrObjectNotifyWholeObject => "ir-object-notify-whole-object",
        "Notifications of an Object observation carry every Object Instance, also those that did not change.";
    IrReregisterWithUpdateAfterRestart => "ir-reregister-with-update-after-restart",
        "After a restart (observations forgotten) the client resumes its old registration with an Update instead of a Register.";
    IrIgnoresPmin => "ir-ignores-pmin",
        "Notifications ignore the Minimum Period (pmin): a change is notified at once.";
    IrIgnoresPmax => "ir-ignores-pmax",
        "Notifications ignore the Maximum Period (pmax): nothing is notified while the value stays the same.";
    IrIgnoresGt => "ir-ignores-gt",
        "Notifications ignore the Greater Than (gt) attribute: a change is notified whether or not the value is above it.";
    IrIgnoresLt => "ir-ignores-lt",
        "Notifications ignore the Less Than (lt) attribute: a change is notified whether or not the value is below it.";
    IrIgnoresSt => "ir-ignores-st",
        "Notifications ignore the Step (st) attribute: a change is notified however small.";
    // --- Bootstrap faults (bootstrap.rs, device.rs); each needs a Bootstrap-Server to show.
    BsAnswerDuringBootstrap => "bs-answer-during-bootstrap",
        "During a Client Initiated Bootstrap, requests not related to bootstrap (e.g. a Read) are answered.";
    BsWriteNeedsExistingInstance => "bs-write-needs-existing-instance",
        "A Bootstrap Write to an Object Instance that does not exist gets 4.04 instead of creating it.";
    BsDeleteRootRemovesBsAccount => "bs-delete-root-removes-bs-account",
        "Bootstrap Delete on \"/\" also deletes the Bootstrap-Server Account.";
    BsDeleteRootKeepsServers => "bs-delete-root-keeps-servers",
        "Bootstrap Delete on \"/\" is answered 2.02 Deleted but deletes nothing: the LwM2M Server accounts stay.";
    BsRegisterFirstServerOnly => "bs-register-first-server-only",
        "After Bootstrap-Finish, only the first configured LwM2M Server gets a Register.";
    BsNoFreshStart => "bs-no-fresh-start",
        "After Bootstrap-Finish, a registration made before is kept and Updated instead of a new Register.";
    BsKeepsDeletedServerRegistration => "bs-keeps-deleted-server-registration",
        "After a Client Initiated Bootstrap, the registration made before with an LwM2M Server whose account the Bootstrap-Server deleted is kept and Updated.";
    SibAnswerDm => "sib-answer-dm",
        "During a Server Initiated Bootstrap, Device Management requests from an LwM2M Server are answered.";
    SibAnswerObserve => "sib-answer-observe",
        "During a Server Initiated Bootstrap, Observe requests from an LwM2M Server are answered.";
    RegNoRegisterRetry => "reg-no-register-retry",
        "An unanswered Register is never retransmitted (the next attempt comes only after the back-off).";
    // --- LwM2M 1.1 faults (`--lwm2m 1.1`; reg_messages.rs, bootstrap/read.rs,
    // registration_policy.rs); each ignores one 1.1 mechanism and keeps the 1.0 behaviour.
    RegOmitLwm2mVersion => "reg-omit-lwm2m-version",
        "A 1.1 client's Register carries no `lwm2m` (LwM2M Version) parameter.";
    BsNoBootstrapRead => "bs-no-bootstrap-read",
        "A Bootstrap-Read (GET from the Bootstrap-Server) is answered 4.05 Method Not Allowed.";
    BsNoBootstrapDiscover => "bs-no-bootstrap-discover",
        "A Bootstrap-Discover (GET with Accept link-format from the Bootstrap-Server) is answered 4.05 Method Not Allowed.";
    RegIgnoresPriorityOrder => "reg-ignores-priority-order",
        "Registration Priority Order (/1/x/13) is ignored: every LwM2M Server gets its Register at once.";
    RegIgnoresInitialDelay => "reg-ignores-initial-delay",
        "Initial Registration Delay Timer (/1/x/14) is ignored: the Register goes out at once.";
    RegIgnoresFailureBlock => "reg-ignores-failure-block",
        "Registration Failure Block (/1/x/15) is ignored: after a failed registration the next server in the order is tried.";
    RegAlwaysBlocksOnFailure => "reg-always-blocks-on-failure",
        "Registration Failure Block (/1/x/15) false is ignored: a failed registration always blocks the servers after it in the order.";
    RegIgnoresRetryResources => "reg-ignores-retry-resources",
        "Communication Retry Count/Timer and Sequence Delay/Retry Count (/1/x/17-20) are ignored: a failed Register is retried after the fixed 1.0 back-off (10 s, doubling), forever.";
    RegNoBootstrapOnFailure => "reg-no-bootstrap-on-failure",
        "Bootstrap on Registration Failure (/1/x/16) true is ignored: a failed registration never falls back to bootstrap.";
    RegAlwaysBootstrapOnFailure => "reg-always-bootstrap-on-failure",
        "Bootstrap on Registration Failure (/1/x/16) false is ignored: a failed registration always falls back to bootstrap.";
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
