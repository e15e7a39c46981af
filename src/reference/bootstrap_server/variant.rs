//! Conformant variants of the reference Bootstrap-Server (`--variant`): each takes one freedom
//! the LwM2M 1.1 Bootstrap Interface gives a Bootstrap-Server, so the self-test can prove that
//! no bootstrap-server case fails a conformant one for a choice the text leaves open.

use crate::reference::variant_table::variant_table;

variant_table! {
    dut: "reference-bootstrap-server";
    DiscoverFirst => "discover-first",
        "Before its first Bootstrap Write (and Delete), sends a Bootstrap-Discover on \"/\" (GET, Accept: application/link-format) and waits for the answer, as a 1.1 Bootstrap-Server that checks the client's accounts does.",
        "LwM2M TS 1.1, Bootstrap Interface: \"In Client Initiated Bootstrap mode, when the Bootstrap-Server receives Bootstrap-Request operation, the Bootstrap-Server can perform Write, Discover and/or Delete operations.\" and \"Only in Bootstrap Interface, the Discover command MAY target to \"/\" URI to discover all Objects and Object Instances supported in the Device.\"";
    DeleteObjects => "delete-objects",
        "Clears the client with Bootstrap Deletes of the Objects /0 and /1 instead of one Bootstrap Delete on \"/\".",
        "LwM2M TS 1.1, Bootstrap Interface: \"The Delete operation targets an Object or an Object Instance\" (1.0: \"The Delete operation targets an Object Instance\").";
}
