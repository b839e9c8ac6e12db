//! Typed confirmations before changes to an environment, and whether the tool runs in CI
//! (where a protected environment accepts `--yes`).

use std::io::{BufRead, Write};

/// Ask the user to type `expected`; true when they did.
pub fn confirmed(prompt: &str, expected: &str) -> bool {
    eprint!("{prompt}");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(_) => line.trim() == expected,
        Err(_) => false,
    }
}

/// `CI=true`: the only place a protected environment takes `--yes`.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}
