//! [`fault_table!`]: declares a reference DUT's `Fault` enum from one table of
//! `Variant => "kebab-id", "what the DUT does wrong";` rows, with its `ALL` list, the id and
//! description lookups, `Display` (the id) and `FromStr` (an unknown id is named in the error).
//! Every reference DUT (client, server, Bootstrap-Server) declares its faults this way, so a new
//! fault is one row and `--fault` parsing is the same everywhere.

macro_rules! fault_table {
    (dut: $dut:literal; $($variant:ident => $id:literal, $description:literal;)*) => {
        #[doc = concat!("A deliberate deviation of the ", $dut, " from LwM2M 1.0/1.1 (one per case's `catches`).")]
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

            /// One sentence: what the DUT does wrong.
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
                    .ok_or_else(|| format!(concat!("unknown ", $dut, " fault `{}`"), id))
            }
        }
    };
}

pub(crate) use fault_table;
