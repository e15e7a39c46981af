//! Conformant variants of the reference server (`--variant`): each takes one freedom the
//! specification gives an LwM2M Server, so the self-test can prove that no server case fails a
//! conformant server for a choice the text leaves open. New variants are one row in the table.

use crate::reference::variant_table::variant_table;

variant_table! {
    dut: "reference-server";
    SplitWriteAttributes => "split-write-attributes",
        "A Write-Attributes asked for with both periods and change thresholds is sent as two PUTs on the same path, pmin/pmax first, then gt/lt/st once the first is answered; each is a complete Write-Attributes.",
        "LwM2M TS 1.0.2 §5.4.4 Write-Attributes: the attributes are independent query parameters (Table 9), an attribute not carried keeps its value, and nothing requires that the attributes the server wants set travel in one request.";
    NormalisedPaths => "normalised-paths",
        "A trigger path with empty segments (`/3//13`) is normalised to the path of its non-empty segments (`/3/13`) before the request is built, as most URI libraries do.",
        "LwM2M TS 1.0.2 §5.5.1 Table 16 forbids only a request naming a Resource ID without an Object Instance ID; `/3/13` names Object 3, Instance 13 (a legal target), and what a server's own API does with a malformed path is not specified.";
}
