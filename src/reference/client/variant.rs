//! Conformant variants of the reference client (`--variant`): each takes one freedom the
//! specification gives a client, so the self-test can prove that no case fails a conformant
//! client for a choice the text leaves open. New variants are one row in the table below.
//!
//! No `connected-socket` row: the default client already behaves as one with a connected UDP
//! socket per peer does — it takes datagrams only from the Bootstrap-Server it is bootstrapping
//! with and the LwM2M Servers it registers with, and drops the rest (`Device::handle_datagram`),
//! so the cases are proven against that habit by the default run (e.g.
//! client-bootstrap-ignores-other-requests also probes from the Bootstrap-Server, which such a
//! client does hear).

use crate::reference::variant_table::variant_table;

variant_table! {
    dut: "reference-client";
    NoTlv => "no-tlv",
        "Encodes and decodes no TLV: SenML JSON for Objects, Object Instances and multiple Resources, announced as `pct=110` in Register and Bootstrap-Request; a TLV payload gets 4.15, an Accept of TLV 4.06.",
        "LwM2M TS 1.1 §7 Data Formats: TLV is one of the formats a client may choose for multiple Resources (SenML JSON and SenML CBOR are the others), and §5.3.1 / §5.2.7.1: the `pct` parameter of Register and Bootstrap-Request tells the server the client's preferred Content-Format.";
    InstanceIds => "instance-ids",
        "Keeps its factory LwM2M Server account in Server /1/1 and Security /0/2, and its Bootstrap-Server Account in Security /0/1: no account in instance 0.",
        "LwM2M TS 1.0.2 §6.1 (Object Instance IDs are 16-bit values chosen when the instance is created, by the client or the Bootstrap-Server) and Appendix E.1/E.2 (Security and Server are Multiple-instance Objects): nothing reserves instance 0 for an account.";
    BootstrapHoldOff => "bootstrap-hold-off",
        "Its factory Bootstrap-Server Account has a Client Hold Off Time (Security resource 11) of 4 s: every Client Initiated Bootstrap waits that long before its Bootstrap-Request.",
        "LwM2M TS 1.0.2 Appendix E.1, Security resource 11 Client Hold Off Time: \"The number of seconds to wait before initiating a Client Initiated Bootstrap once the LwM2M Client has determined it should initiate this bootstrap mode\".";
    BootstrapAfterExhaustion => "bootstrap-after-exhaustion",
        "When its registration has failed for good with every LwM2M Server (all retry sequences used up), it falls back to Client Initiated Bootstrap even when Bootstrap on Registration Failure (Server resource 16) is false.",
        "LwM2M TS 1.0.2 §5.2.2 Bootstrap Sequence: a client that cannot register with the LwM2M Servers it is configured for uses Client Initiated Bootstrap; TS 1.1 resource 16 says only that with false the client \"continue[s] with the registration attempts as dictated by the other resource settings\", which this client does before falling back.";
    NotifyEachInstance => "notify-each-instance",
        "Notifies a change of several Object Instances under an Object observation as one notification per changed instance instead of one for all.",
        "LwM2M TS 1.0.2 §5.5.1: \"When 'Observe' operation contains only Object ID, the 'Notify' operation MUST be done per Object Instance\": one notification per instance is the most literal reading of it.";
    NonNotifications => "non-notifications",
        "Sends every notification Non-confirmable instead of Confirmable.",
        "RFC 7641 §4.5: a notification can be confirmable or non-confirmable, at the server's choice (here the LwM2M Client, which is the CoAP server of the observation); LwM2M TS 1.0.2 §8.2.5 does not restrict it.";
}
