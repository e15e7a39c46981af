//! [`variant_table!`]: declares a reference DUT's `Variant` enum from one table of
//! `Name => "kebab-id", "what the DUT does", "the sentence that allows it";` rows.
//!
//! A variant is the opposite of a fault: one freedom the specification gives an implementation
//! (another content format, other instance IDs, a legal delay, one request split in two, a 1.1
//! rule), taken on purpose. The self-test runs every case against every variant of its role and
//! requires pass (or skipped, for a reason the variant's profile states): a case that fails a
//! conformant variant is over-strict. `--variant` parses the ids the same way `--fault` does.

macro_rules! variant_table {
    (dut: $dut:literal; $($variant:ident => $id:literal, $description:literal, $allowed_by:literal;)*) => {
        crate::reference::fault_table::switch_enum!(Variant, "variant", $dut; $($variant => $id, $description;)*);

        impl Variant {
            /// The specification text that makes this behaviour conformant.
            pub fn allowed_by(self) -> &'static str {
                match self {
                    $(Variant::$variant => $allowed_by,)*
                }
            }
        }
    };
}

pub(crate) use variant_table;
