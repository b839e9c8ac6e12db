//! The interrupt handling in its own process: a signal raised under a guard is counted, ends
//! guarded sleeps, and reaches a child's process group once, as SIGINT, even when it came in while
//! the child started; an apply's first signal waits until Terraform runs. (Its own test binary:
//! the count is process-wide and would mark every later failure in a shared binary as
//! interrupted.)

use std::time::{Duration, Instant};
use xtask::interrupt;

#[test]
fn a_guarded_signal_is_counted_ends_sleeps_and_is_forwarded() {
    interrupt::install();
    let _guard = interrupt::guard();
    assert_eq!(interrupt::check(), Ok(()));
    assert_eq!(interrupt::sleep(Duration::from_millis(30)), Ok(()));
    // A child in its own process group that reports SIGINT by its exit status; the signal comes
    // in while it starts, before its forwarder runs, and still reaches it.
    use std::os::unix::process::CommandExt;
    let seen = interrupt::count();
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .process_group(0)
        .spawn()
        .unwrap();
    // SAFETY: raising a signal this process handles (the guard is alive).
    unsafe { libc::raise(libc::SIGTERM) };
    let forward = interrupt::forward_to(child.id(), seen);
    assert!(interrupt::interrupted());
    let start = Instant::now();
    assert_eq!(
        interrupt::sleep(Duration::from_secs(10)),
        Err(interrupt::Interrupted)
    );
    assert!(start.elapsed() < Duration::from_secs(1));
    assert_eq!(interrupt::Interrupted.to_string(), "interrupted by SIGTERM");
    let status = child.wait().unwrap();
    drop(forward);
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(status.signal(), Some(libc::SIGINT));

    // An apply's forwarder holds a first signal until it is armed (Terraform runs), ...
    let sleeper = || {
        std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap()
    };
    let mut child = sleeper();
    let forward = interrupt::forward_once_running(child.id(), interrupt::count());
    // SAFETY: as above.
    unsafe { libc::raise(libc::SIGINT) };
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "forwarded unarmed");
    forward.arm();
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGINT));
    drop(forward);
    // ... but passes a second one on at once, with the first.
    let mut child = sleeper();
    let forward = interrupt::forward_once_running(child.id(), interrupt::count());
    // SAFETY: as above.
    unsafe { libc::raise(libc::SIGINT) };
    unsafe { libc::raise(libc::SIGINT) };
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGINT));
    drop(forward);
}
