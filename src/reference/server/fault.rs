//! The reference server's fault switches, one per server conformance case's `catches`.
//!
//! Each fault makes the server violate exactly the requirement its case judges and nothing
//! else, so that the self-test's "must fail" run fails for the right reason. The id is what
//! `--fault` and a case's `catches` use.

use crate::reference::fault_table::fault_table;

fault_table! {
    dut: "reference-server";
    // --- Registration (registry.rs, core.rs)
    RegLocationOutsideRd => "reg-location-outside-rd",
        "Register is answered 2.01 with a Location under /reg instead of /rd.";
    RegRejectOptionalParameters => "reg-reject-optional-parameters",
        "A Register without `lt`, with `sms`, or with a binding other than U is answered 4.00 Bad Request.";
    RegNoUpdate => "reg-no-update",
        "An Update is answered 4.04 Not Found although the registration exists.";
    RegSameEndpointKept => "reg-same-endpoint-kept",
        "A second Register with the same Endpoint Client Name adds a registration; the old location stays valid.";
    RegKeepFirstAddress => "reg-keep-first-address",
        "A new Register of a known Endpoint Client Name keeps the source address recorded by the first one.";
    RegRetransmissionAsNewRegister => "reg-retransmission-as-new-register",
        "A retransmitted Register (same Message ID) is processed as a new Register, under a new location.";
    RegNoExpiry => "reg-no-expiry",
        "A registration is never removed when its lifetime passes without an Update.";
    DownlinkToCoapPort => "downlink-to-coap-port",
        "Requests to a client go to port 5683 of the Register's source IP address, not to its source port.";
    // --- Device Management (request.rs, core.rs)
    DmReadBeforeRegisterAck => "dm-read-before-register-ack",
        "Device Management requests held for a client are sent before the 2.01 answering its Register.";
    DmWritePartialAsPut => "dm-write-partial-as-put",
        "A Write (partial update) is sent as PUT, which is a Write (replace).";
    DmAllowPmaxLePmin => "dm-allow-pmax-le-pmin",
        "A Write-Attributes with pmax not greater than pmin is sent anyway.";
    DmWriteAttributesDropsChangeAttributes => "dm-write-attributes-drops-gt-lt-st",
        "Write-Attributes leaves out the Greater Than, Less Than and Step parameters.";
    DmDeleteRoot => "dm-delete-root",
        "A Delete of \"/\" is sent as a Device Management operation (only the Bootstrap Interface may target \"/\").";
    ObjCoreObjectsOnly => "obj-core-objects-only",
        "Operations on the Appendix D Objects other than Security, Server and Device (/2, /4, /5, /6, /7) are refused.";
    ObjNoServerObject => "obj-no-server-object",
        "Operations on the LWM2M Server Object (/1) are refused: nothing is sent.";
    // --- Information Reporting (observe.rs, request.rs, core.rs)
    IrObserveWithoutOption => "ir-observe-without-option",
        "An Observe is sent as a plain GET, without the Observe option.";
    IrObserveBeforeRegisterAck => "ir-observe-before-register-ack",
        "Observe requests held for a client are sent before the 2.01 answering its Register.";
    IrRejectNotifications => "ir-reject-notifications",
        "A Confirmable notification of a live observation is answered with RST, which cancels it.";
    IrNoReobserve => "ir-no-reobserve",
        "When a client registers again, its observations are not re-initiated.";
    IrObserveResourceWithoutInstance => "ir-observe-resource-without-instance",
        "An Observe of a Resource with no Object Instance ID (/3//13) is sent as such instead of refused.";
    // --- Queue Mode (core.rs)
    QmSendWhileOffline => "qm-send-while-offline",
        "Requests for a client in Queue Mode are sent at once, while it may be offline.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_parses_back_and_an_unknown_one_lists_them() {
        let ids: Vec<String> = Fault::ALL.iter().map(|f| f.id().to_string()).collect();
        assert_eq!(
            Fault::parse_all(&ids).map(|s| s.len()),
            Ok(Fault::ALL.len()),
            "ids are unique"
        );
        let err = Fault::parse_all(&["nope".into()]).err().unwrap_or_default();
        assert!(err.starts_with("unknown reference-server fault `nope`") && err.contains("qm-send-while-offline"));
    }
}
