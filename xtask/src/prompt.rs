//! Typed confirmations before changes to an environment, and whether the tool runs in CI
//! (where a protected environment accepts `--yes`). A prompt needs a person at a terminal:
//! when standard input is not one (CI, a pipe, `</dev/null`, a cron job) it refuses at once,
//! naming the way out, instead of waiting for an answer that never comes or reading one nobody
//! typed.

use anyhow::{bail, Result};
use std::io::{BufRead, IsTerminal, Write};

/// Ask the user to type `expected`; `Ok(true)` when they did. Refuses when standard input is
/// not a terminal; `way_out` says what to do then (e.g. "pass --yes").
pub fn confirmed(prompt: &str, expected: &str, way_out: &str) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("cannot ask for confirmation (typing `{expected}`): standard input is not a terminal; {way_out}");
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    Ok(match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) => line.trim() == expected,
        Err(_) => false,
    })
}

/// `CI=true`: the only place a protected environment takes `--yes`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
