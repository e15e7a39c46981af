//! `lwm2m-conformance`: run the suite (the default), run a reference DUT, list or check cases.
//! The commands live in the library (`lwm2m_conformance::cli`).

use std::process::ExitCode;

fn main() -> ExitCode {
    // A DUT's guard (see `transport::guard`): before anything else, so it starts no thread.
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv
        .get(1)
        .is_some_and(|a| a == lwm2m_conformance::transport::guard::SUBCOMMAND)
    {
        return lwm2m_conformance::transport::guard::main(&argv[2..]);
    }
    lwm2m_conformance::cli::main()
}
