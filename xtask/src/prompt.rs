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

/// [`confirmed`] while the run holds something that an interrupt must release on the way out
/// (the release lock): signals stay counted (the caller holds an interrupt guard), and Ctrl-C at
/// the prompt returns `Err(Interrupted)` ("interrupted at the confirmation: `nothing`") instead
/// of ending the tool, so that the caller's guards release what they hold. The answer is read on
/// a thread of its own, left blocked on the terminal when the prompt is interrupted (the tool
/// ends soon after).
pub fn confirmed_holding(
    prompt: &str,
    expected: &str,
    way_out: &str,
    nothing: &str,
) -> Result<bool> {
    if !std::io::stdin().is_terminal() {
        bail!("cannot ask for confirmation (typing `{expected}`): standard input is not a terminal; {way_out}");
    }
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let _ = tx.send(read.ok().map(|_| line));
    });
    loop {
        if crate::interrupt::interrupted() {
            eprintln!();
            return Err(anyhow::Error::from(crate::interrupt::Interrupted)
                .context(format!("interrupted at the confirmation: {nothing}")));
        }
        match rx.recv_timeout(std::time::Duration::from_millis(20)) {
            Ok(line) => return Ok(line.is_some_and(|l| l.trim() == expected)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(false),
        }
    }
}

/// `CI=true`: the only place a protected environment takes `--yes`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
