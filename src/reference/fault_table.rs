//! [`fault_table!`]: declares a reference DUT's `Fault` enum from one table of
//! `Variant => "kebab-id", "what the DUT does wrong";` rows, with its `ALL` list, the id and
//! description lookups, `Display` (the id) and `FromStr` (an unknown id is named in the error).
//! Every reference DUT (client, server, Bootstrap-Server) declares its faults this way, so a new
//! fault is one row and `--fault` parsing is the same everywhere. [`switch_enum!`] is the part
//! it shares with `variant_table!` (the conformant `--variant` switches).

macro_rules! switch_enum {
    ($enum:ident, $kind:literal, $dut:literal; $($variant:ident => $id:literal, $description:literal;)*) => {
        #[doc = concat!("A ", $kind, " switch of the ", $dut, " (`--", $kind, "`).")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $enum {
            $(#[doc = $description] $variant,)*
        }

        impl $enum {
            /// Every switch, in table order.
            pub const ALL: &'static [$enum] = &[$($enum::$variant,)*];

            /// The kebab-case id used on the command line (and, for a fault, a case's `catches`).
            pub fn id(self) -> &'static str {
                match self {
                    $($enum::$variant => $id,)*
                }
            }

            /// One sentence: what the DUT does.
            pub fn description(self) -> &'static str {
                match self {
                    $($enum::$variant => $description,)*
                }
            }

            /// The command-line ids as a set; an unknown id is an error listing every switch.
            pub fn parse_all(ids: &[String]) -> Result<std::collections::BTreeSet<$enum>, String> {
                ids.iter().map(|id| id.parse::<$enum>()).collect::<Result<_, String>>().map_err(|e| {
                    let mut text = e;
                    for f in $enum::ALL {
                        text.push_str(&format!("\n  {:<40} {}", f.id(), f.description()));
                    }
                    text
                })
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.id())
            }
        }

        impl std::str::FromStr for $enum {
            type Err = String;

            fn from_str(s: &str) -> Result<$enum, String> {
                let id = s.trim();
                $enum::ALL
                    .iter()
                    .copied()
                    .find(|f| f.id() == id)
                    .ok_or_else(|| format!(concat!("unknown ", $dut, " ", $kind, " `{}`"), id))
            }
        }
    };
}

macro_rules! fault_table {
    (dut: $dut:literal; $($variant:ident => $id:literal, $description:literal;)*) => {
        crate::reference::fault_table::switch_enum!(Fault, "fault", $dut; $($variant => $id, $description;)*);
    };
}

pub(crate) use fault_table;
pub(crate) use switch_enum;
