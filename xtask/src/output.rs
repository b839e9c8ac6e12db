//! Standard output and error without panics. `print!`/`println!` (and the `e` forms) in this
//! crate are the crate's own (defined at the top of `lib.rs`, same syntax) and write through
//! here, so no task ever panics on a closed or full stdout, whoever wrote the task.
//!
//! - A closed pipe (`cargo xtask show staging | head -1`): SIGPIPE stays ignored (Rust's
//!   default), so the reader leaving never kills the tool in the middle of a deploy while
//!   Terraform holds the state lock; the broken pipe is recorded like any other write error and
//!   ends nothing but the output, silently.
//! - Any other write error (`>/dev/full`: no space left on device): the first one is recorded,
//!   later output is skipped, the task runs to its end (so it still stops the emulator it
//!   started, stores its record, …), and [`finish`] reports the error and exits 1, as
//!   coreutils' `close_stdout` does. No `process::exit` from inside a task, no caught panic.
//! - Standard error: a failed write to it is ignored (there is nowhere left to report it).
//! - Inside [`capture`] (an environment run beside others, see `parallel`) both go to that
//!   thread's buffers instead, printed later as one block so runs never interleave.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::OnceLock;

/// The first error writing to stdout, if any.
static STDOUT_ERROR: OnceLock<io::Error> = OnceLock::new();

thread_local! {
    /// This thread's captured (stdout, stderr), while [`capture`] runs.
    static CAPTURED: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Append to this thread's capture; false when it captures nothing.
fn captured(stdout: bool, args: fmt::Arguments<'_>) -> bool {
    CAPTURED.with_borrow_mut(|c| match c {
        Some((out, err)) => {
            let _ = fmt::Write::write_fmt(if stdout { out } else { err }, args);
            true
        }
        None => false,
    })
}

/// Run `f` with this thread's output kept: `(result, stdout, stderr)`.
pub fn capture<T>(f: impl FnOnce() -> T) -> (T, String, String) {
    CAPTURED.set(Some(Default::default()));
    let result = f();
    let (out, err) = CAPTURED.take().unwrap_or_default();
    (result, out, err)
}

/// Write to stdout; on failure record the error and skip every later write.
pub fn stdout(args: fmt::Arguments<'_>) {
    if captured(true, args) || STDOUT_ERROR.get().is_some() {
        return;
    }
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        let _ = STDOUT_ERROR.set(e);
    }
}

/// Write to stderr, ignoring failure.
pub fn stderr(args: fmt::Arguments<'_>) {
    if captured(false, args) {
        return;
    }
    let _ = io::stderr().lock().write_fmt(args);
}

/// The first stdout write error so far.
pub fn stdout_error() -> Option<&'static io::Error> {
    STDOUT_ERROR.get()
}

/// Flush stdout and turn a write error into the exit code: a broken pipe stays quiet, any
/// other error is reported and fails the run.
pub fn finish(code: ExitCode) -> ExitCode {
    if STDOUT_ERROR.get().is_none() {
        if let Err(e) = io::stdout().lock().flush() {
            let _ = STDOUT_ERROR.set(e);
        }
    }
    match STDOUT_ERROR.get() {
        None => code,
        Some(e) if e.kind() == io::ErrorKind::BrokenPipe => code,
        Some(e) => {
            stderr(format_args!(
                "error: cannot write to standard output: {e}; the output is incomplete\n"
            ));
            ExitCode::FAILURE
        }
    }
}
