//! Ctrl-C (SIGINT), SIGTERM and SIGHUP during a long wait: the wait stops and cleans up instead
//! of leaving half-made things behind.
//!
//! Outside a [`watch`] a signal ends the process as it always did. While a [`Watch`] guard
//! lives, the first signal only sets a flag that the wait polls ([`check`], [`sleep`]); the
//! code then undoes what it started and returns [`Interrupted`], which `run` turns into exit
//! code [`EXIT_CODE`]. A second signal while one is pending ends the process at once, so a
//! stuck clean-up can always be cut short. A signal the process inherited as ignored
//! (`nohup`) stays ignored.
//!
//! ```ignore
//! let _watch = interrupt::watch()?;
//! let mut child = start_something()?;
//! while !done(&mut child)? {
//!     if let Err(stop) = interrupt::sleep(Duration::from_millis(100)) {
//!         undo(&mut child);
//!         return Err(stop.into());
//!     }
//! }
//! ```

use anyhow::{Context, Result};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::flag;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The exit code of a command stopped by a signal it handled (128 + SIGINT, as shells report).
pub const EXIT_CODE: u8 = 130;

/// The signals a watch handles.
const SIGNALS: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// True while no watch is alive: a signal then takes its default action (ends the process).
static UNWATCHED: AtomicBool = AtomicBool::new(true);
/// True once a watched signal arrived: a second one takes the default action.
static PENDING: AtomicBool = AtomicBool::new(false);
/// The number of the first watched signal that arrived (0: none).
static SIGNAL: AtomicUsize = AtomicUsize::new(0);
/// How many watches are alive.
static WATCHERS: Mutex<usize> = Mutex::new(0);

/// A signal arrived during a watched wait; the error that stops the command with [`EXIT_CODE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted {
    pub signal: i32,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = signal_hook::low_level::signal_name(self.signal).unwrap_or("a signal");
        write!(f, "interrupted by {name}")
    }
}

impl std::error::Error for Interrupted {}

/// While the returned guard lives, SIGINT, SIGTERM and SIGHUP are recorded for [`check`]
/// instead of ending the process. Installs the handlers on first use; nests.
pub fn watch() -> Result<Watch> {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    INSTALLED
        .get_or_init(|| install().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
        .context("cannot install the Ctrl-C handler")?;
    let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
    *watchers += 1;
    UNWATCHED.store(false, Ordering::SeqCst);
    Ok(Watch(()))
}

/// Keeps signals recorded rather than fatal; see [`watch`].
#[must_use = "signals are only caught while the guard lives"]
pub struct Watch(());

impl Drop for Watch {
    fn drop(&mut self) {
        let mut watchers = WATCHERS.lock().unwrap_or_else(|e| e.into_inner());
        *watchers -= 1;
        if *watchers == 0 {
            UNWATCHED.store(true, Ordering::SeqCst);
        }
    }
}

/// The signal received during a watch, if any. It stays set: the whole command is to stop.
pub fn interrupted() -> Option<Interrupted> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        n => Some(Interrupted { signal: n as i32 }),
    }
}

/// `Err` once a watched signal arrived.
pub fn check() -> Result<(), Interrupted> {
    interrupted().map_or(Ok(()), Err)
}

/// Sleep for `d`, returning early with `Err` when a watched signal arrives.
pub fn sleep(d: Duration) -> Result<(), Interrupted> {
    let end = Instant::now() + d;
    loop {
        check()?;
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

/// Per signal, in this order (signal-hook runs a signal's actions in registration order):
/// the default action when unwatched, the default action when one is already pending, else
/// record it.
fn install() -> Result<()> {
    for signal in SIGNALS {
        if ignored(signal) {
            continue;
        }
        flag::register_conditional_default(signal, &UNWATCHED)?;
        flag::register_conditional_default(signal, &PENDING)?;
        flag::register_usize(signal, &SIGNAL, signal as usize)?;
        flag::register(signal, &PENDING)?;
    }
    Ok(())
}

/// Whether the process inherited `signal` as ignored (`nohup`, background jobs).
fn ignored(signal: i32) -> bool {
    // SAFETY: a query only (no new action); `old` is a valid, zeroed `sigaction`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_watched_signal_is_recorded_and_ends_sleeps() {
        let watch = watch().unwrap();
        assert_eq!(check(), Ok(()));
        assert_eq!(sleep(Duration::from_millis(30)), Ok(()));
        // Only once: a second signal would end the test binary, as designed.
        signal_hook::low_level::raise(SIGTERM).unwrap();
        let stop = Interrupted { signal: SIGTERM };
        assert_eq!(interrupted(), Some(stop));
        let start = Instant::now();
        assert_eq!(sleep(Duration::from_secs(10)), Err(stop));
        assert!(start.elapsed() < Duration::from_secs(1));
        assert_eq!(stop.to_string(), "interrupted by SIGTERM");
        drop(watch);
        assert!(UNWATCHED.load(Ordering::SeqCst));
    }
}
