//! Ctrl-C (SIGINT), SIGTERM and SIGHUP. Outside a [`Guard`] the tool stops at once with exit
//! code 130, as a command-line tool does. While a guard lives — Terraform running against a state
//! it may hold locked, a deploy or rollback holding the release lock, the emulator starting — a
//! signal is only counted: waits poll [`check`] or [`sleep`] and undo what they started;
//! [`forward_to`] passes each signal to a Terraform process group (which runs apart from the
//! tool's, so a terminal's Ctrl-C reaches Terraform once, through the tool); `run` ends an
//! interrupted command with [`EXIT_CODE`].
//!
//! Terraform's own convention applies to what reaches it: a first SIGINT makes it stop gracefully
//! (nothing new starts, the state is written, the lock released), a second stops it at once. An
//! apply gets the first Ctrl-C held back (see [`forward_to_apply`]): its graceful stop cancels the
//! AWS provider's requests in flight. A signal the process inherited as ignored (`nohup`) stays
//! ignored.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

static COUNT: AtomicUsize = AtomicUsize::new(0);
static GUARDS: AtomicUsize = AtomicUsize::new(0);
/// The first signal counted (0: none).
static FIRST: AtomicUsize = AtomicUsize::new(0);

/// The exit code of an interrupted run (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

const SIGNALS: [libc::c_int; 3] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP];

extern "C" fn on_signal(signal: libc::c_int) {
    // Only async-signal-safe calls here: atomics and _exit.
    if GUARDS.load(Ordering::SeqCst) == 0 {
        unsafe { libc::_exit(EXIT_CODE.into()) }
    }
    let _ = FIRST.compare_exchange(0, signal as usize, Ordering::SeqCst, Ordering::SeqCst);
    COUNT.fetch_add(1, Ordering::SeqCst);
}

/// Handle the signals from now on (once, at start), except those inherited as ignored.
pub fn install() {
    for signal in SIGNALS {
        // SAFETY: `on_signal` only touches atomics and calls `_exit`, both async-signal-safe;
        // SA_RESTART keeps interrupted system calls going, so only the counter changes. The
        // query of the old action changes nothing.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(signal, std::ptr::null(), &mut old) == 0
                && old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// While one lives, signals are counted instead of ending the tool.
#[must_use = "signals are only counted while the guard lives"]
pub struct Guard(());

/// Count signals instead of ending the tool until the returned guard is dropped; nests.
pub fn guard() -> Guard {
    GUARDS.fetch_add(1, Ordering::SeqCst);
    Guard(())
}

impl Drop for Guard {
    fn drop(&mut self) {
        GUARDS.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Run `f` with signals ending the tool again (exit 130), e.g. while waiting at a prompt, when
/// nothing is held that an interrupt could leave behind.
pub fn unguarded<T>(f: impl FnOnce() -> T) -> T {
    let guards = GUARDS.swap(0, Ordering::SeqCst);
    let out = f();
    GUARDS.fetch_add(guards, Ordering::SeqCst);
    out
}

/// Signals received under a guard so far.
pub fn count() -> usize {
    COUNT.load(Ordering::SeqCst)
}

/// Whether a signal came in: the whole command is to stop.
pub fn interrupted() -> bool {
    count() > 0
}

/// A signal came in during a guarded wait; the error that stops the command with [`EXIT_CODE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match FIRST.load(Ordering::SeqCst) as libc::c_int {
            libc::SIGINT => " by SIGINT",
            libc::SIGTERM => " by SIGTERM",
            libc::SIGHUP => " by SIGHUP",
            _ => "",
        };
        write!(f, "interrupted{name}")
    }
}

impl std::error::Error for Interrupted {}

/// `Err` once a signal came in.
pub fn check() -> Result<(), Interrupted> {
    if interrupted() {
        Err(Interrupted)
    } else {
        Ok(())
    }
}

/// Sleep for `d`, returning early with `Err` when a signal comes in.
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

/// Passes the signals counted after a given count to a process group (SIGINT), saying what
/// each one does; stops when dropped.
pub struct Forwarder {
    stop: Arc<AtomicBool>,
    armed: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Forward to the process group `pgid` every interrupt after the first `seen` (the [`count`]
/// taken before the process was started, so that a signal arriving while it starts reaches it
/// too), until the returned value is dropped. For Terraform runs that change nothing (init,
/// plan, show): stopping them loses nothing.
pub fn forward_to(pgid: u32, seen: usize) -> Forwarder {
    forwarder(pgid, seen, Mode::Reads)
}

/// For a Terraform apply: the first interrupt is held (the apply finishes what it started), the
/// second is passed on once [`Forwarder::arm`] says the apply runs, a third at once.
///
/// Terraform's graceful stop makes the AWS provider cancel its requests in flight: a resource
/// whose create was under way can exist in AWS without being in the state, and the next apply
/// then fails on "already exists". Only a second Ctrl-C risks that. And Terraform loses a SIGINT
/// that arrives before its graph walk has begun (its stop finds nothing running, and the walk
/// then runs to the end), so the apply is armed at its first event.
pub fn forward_to_apply(pgid: u32, seen: usize) -> Forwarder {
    forwarder(pgid, seen, Mode::Changes)
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Reads,
    Changes,
}

fn forwarder(pgid: u32, seen: usize, mode: Mode) -> Forwarder {
    let stop = Arc::new(AtomicBool::new(false));
    let armed = Arc::new(AtomicBool::new(mode == Mode::Reads));
    let held = usize::from(mode == Mode::Changes);
    let thread = {
        let (stop, armed) = (stop.clone(), armed.clone());
        std::thread::spawn(move || {
            let (mut forwarded, mut told) = (0, 0);
            while !stop.load(Ordering::SeqCst) {
                let pressed = count().saturating_sub(seen);
                let due = pressed.saturating_sub(held);
                if held > 0 && pressed > 0 && told == 0 {
                    eprintln!("\ninterrupt: Terraform finishes what this apply started (the state stays whole), then the run stops; Ctrl-C again asks Terraform to stop sooner, which cancels the AWS requests in flight and can leave a resource created outside the state");
                    told = 1;
                }
                if due > forwarded && !armed.load(Ordering::SeqCst) && due < 2 {
                    if told < 2 {
                        eprintln!("\ninterrupt: Terraform is starting; it is asked to stop once it runs (Ctrl-C again stops it at once)");
                        told = 2;
                    }
                } else {
                    while forwarded < due {
                        forwarded += 1;
                        announce(forwarded, mode);
                        // SAFETY: plain kill(2) on a process group this tool started.
                        unsafe { libc::kill(-(pgid as libc::pid_t), libc::SIGINT) };
                    }
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    Forwarder {
        stop,
        armed,
        thread: Some(thread),
    }
}

impl Forwarder {
    /// Pass on interrupts from now on (those due already included).
    pub fn arm(&self) {
        self.armed.store(true, Ordering::SeqCst);
    }
}

/// What the `nth` signal passed on to Terraform does.
fn announce(nth: usize, mode: Mode) {
    match (nth, mode) {
        (1, Mode::Reads) => eprintln!("\ninterrupt: asking Terraform to stop (it changes nothing); Ctrl-C again stops it at once"),
        (1, Mode::Changes) => eprintln!("\nsecond interrupt: asking Terraform to stop: it starts nothing new, writes the state and releases the lock; the AWS provider cancels its requests in flight (a resource being created can be left outside the state; docs/troubleshooting.md says how to take it over); Ctrl-C again stops it at once"),
        (2, _) => eprintln!("\n{} interrupt: Terraform stops at once; the state lock may be left behind (the tool names it and the command that releases it)", if mode == Mode::Reads { "second" } else { "third" }),
        _ => {}
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
