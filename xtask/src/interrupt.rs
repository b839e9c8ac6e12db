//! Ctrl-C (SIGINT) and SIGTERM. Outside a [`Guard`] the tool stops at once with exit code 130,
//! as a command-line tool does. Inside one — while Terraform runs against a state it may hold
//! locked — a signal is only counted: [`forward_to`] passes each one to the Terraform process
//! group (which runs apart from the tool's, so a terminal's Ctrl-C reaches Terraform once,
//! through the tool), and the guarded work checks [`interrupted`] and ends with exit 130.
//!
//! Terraform's own convention applies: a first interrupt makes it stop gracefully (operations in
//! flight finish, the state is written, the lock released); a second stops it at once.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

static COUNT: AtomicUsize = AtomicUsize::new(0);
static GUARDS: AtomicUsize = AtomicUsize::new(0);

/// The exit code of an interrupted run (128 + SIGINT), as shells report it.
pub const EXIT_CODE: u8 = 130;

extern "C" fn on_signal(_: libc::c_int) {
    // Only async-signal-safe calls here: atomics and _exit.
    if GUARDS.load(Ordering::SeqCst) == 0 {
        unsafe { libc::_exit(EXIT_CODE.into()) }
    }
    COUNT.fetch_add(1, Ordering::SeqCst);
}

/// Handle SIGINT and SIGTERM from now on (once, at start).
pub fn install() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: `on_signal` only touches atomics and calls `_exit`, both async-signal-safe;
        // SA_RESTART keeps interrupted system calls going, so only the counter changes.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// While one lives, signals are counted instead of ending the tool.
pub struct Guard(());

/// Count signals instead of ending the tool until the returned guard is dropped.
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

pub fn interrupted() -> bool {
    count() > 0
}

/// Passes every signal counted from now on to the process group `pgid` (SIGINT), saying what
/// each one does; stops when dropped.
pub struct Forwarder {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Forward interrupts to the process group `pgid` until the returned value is dropped.
pub fn forward_to(pgid: u32) -> Forwarder {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = count();
    let thread = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut forwarded = seen;
            while !stop.load(Ordering::SeqCst) {
                while forwarded < count() {
                    forwarded += 1;
                    announce(forwarded - seen);
                    // SAFETY: plain kill(2) on a process group this tool started.
                    unsafe { libc::kill(-(pgid as libc::pid_t), libc::SIGINT) };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    Forwarder {
        stop,
        thread: Some(thread),
    }
}

fn announce(nth: usize) {
    match nth {
        1 => eprintln!("\ninterrupt: asking Terraform to stop once the operations in flight finish (it writes the state and releases the lock); Ctrl-C again stops it at once"),
        2 => eprintln!("\nsecond interrupt: Terraform stops at once; the state lock may be left behind (the tool names it and the command that releases it)"),
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
