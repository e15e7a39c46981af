//! What the commands print, written without panicking. `println!` panics when stdout is a closed
//! pipe (`lwm2m-conformance list | head`); here a closed pipe quietly ends the output and the
//! command finishes with its own exit status. Any other failure to write stdout (a full disk) is
//! said once on stderr and makes the exit status 2 ([`finish`]). Lines for stderr are written the
//! same way, so a closed stderr (`run 2>&1 | head`) never ends a run either.

use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use super::exit;

/// Stdout can no longer be written (a closed pipe, or an error).
static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
/// Stdout failed for another reason than a closed pipe: the output is incomplete.
static STDOUT_FAILED: AtomicBool = AtomicBool::new(false);

fn failed(e: &io::Error) {
    STDOUT_GONE.store(true, Ordering::Relaxed);
    if e.kind() != io::ErrorKind::BrokenPipe {
        STDOUT_FAILED.store(true, Ordering::Relaxed);
        to_stderr(format_args!("cannot write the output: {e}\n"));
    }
}

/// Writes to stdout; false once stdout is gone (then nothing more is written).
pub fn to_stdout(args: fmt::Arguments) -> bool {
    if closed() {
        return false;
    }
    let written = io::stdout().lock().write_fmt(args);
    match written {
        Ok(()) => true,
        Err(e) => {
            failed(&e);
            false
        }
    }
}

/// Writes to stderr, ignoring a closed or failing stderr.
pub fn to_stderr(args: fmt::Arguments) {
    let _ = io::stderr().lock().write_fmt(args);
}

/// Whether stdout is gone: a command may stop producing output nobody reads.
pub fn closed() -> bool {
    STDOUT_GONE.load(Ordering::Relaxed)
}

/// The exit status of a command that ended with `code`, once what stdout still buffers is
/// written: 2 when its output could not be written (a closed pipe is no failure).
pub fn finish(code: ExitCode) -> ExitCode {
    if !closed()
        && let Err(e) = io::stdout().lock().flush()
    {
        failed(&e);
    }
    if STDOUT_FAILED.load(Ordering::Relaxed) {
        ExitCode::from(exit::UNUSABLE)
    } else {
        code
    }
}

/// `println!` without the panic: a line on stdout ([`to_stdout`]).
macro_rules! outln {
    () => {
        $crate::command::output::to_stdout(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::command::output::to_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` without the panic ([`to_stdout`]).
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::command::output::to_stdout(format_args!($($arg)*))
    };
}

/// `eprintln!` without the panic ([`to_stderr`]).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::command::output::to_stderr(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {errln, out, outln};
