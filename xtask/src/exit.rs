//! The tool's exit codes, one table (README, "Exit codes"): 0 success, 1 error, 2 changes or
//! drift (`plan`, `validate --live`), 3 the emulator not running (`local status`), 64 a usage
//! error (a mistyped flag or command), 130 interrupted.

/// `plan` found changes, `validate --live` found drift.
pub const CHANGES: u8 = 2;
/// `local status`: the emulator is not running or does not answer.
pub const NOT_RUNNING: u8 = 3;
/// The command line is wrong (`EX_USAGE` of sysexits.h); clap's own default would be 2, which
/// here means changes.
pub const USAGE: u8 = 64;
/// Ended by Ctrl-C, SIGTERM or SIGHUP (128 + SIGINT).
pub const INTERRUPTED: u8 = crate::interrupt::EXIT_CODE;
