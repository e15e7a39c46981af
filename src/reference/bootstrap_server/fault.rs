//! Fault switches of the reference Bootstrap-Server: one per bootstrap-server case's `catches`.
//! Each breaks exactly the requirement its case judges; the id is what `--fault` takes.

use crate::reference::fault_table::fault_table;

fault_table! {
    dut: "reference-bootstrap-server";
    BsRejectBootstrapRequest => "bs-reject-bootstrap-request",
        "A Bootstrap-Request is answered 4.04 Not Found, as by a Bootstrap-Server without Client Initiated Bootstrap.";
    BsNoFinish => "bs-no-finish",
        "After its last Bootstrap Write, the Bootstrap-Server never sends Bootstrap-Finish.";
    BsFinishWithPayload => "bs-finish-with-payload",
        "Bootstrap-Finish (POST /bs) carries a text payload instead of an empty one.";
    BsFinishBeforeWritesAcked => "bs-finish-before-writes-acked",
        "Bootstrap-Finish is sent right after the last Bootstrap Write, without waiting for its answer.";
    BsDeleteObject => "bs-delete-object",
        "The Bootstrap Delete targets the Server Object /1 instead of \"/\" or an Object Instance.";
    BsServerInitiatedSilent => "bs-server-initiated-silent",
        "With --server-initiated, the Bootstrap-Server never contacts the client (it only answers Bootstrap-Requests).";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_back_and_unknown_ones_are_named() {
        for f in Fault::ALL {
            assert_eq!(f.id().parse::<Fault>(), Ok(*f));
            assert!(f.id().starts_with("bs-"), "{f}");
        }
        let err = "bs-no-finsh".parse::<Fault>().err().unwrap_or_default();
        assert!(err.contains("bs-no-finsh") && err.contains("bootstrap-server"), "{err}");
    }
}
