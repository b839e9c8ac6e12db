//! The interrupt handling in its own process: a signal raised under a guard is counted, ends
//! guarded sleeps, and reaches a child's process group once, as SIGINT, even when it came in while
//! the child started; an apply's first signal is held, its second waits until Terraform runs. (Its own test binary:
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

    // An apply's forwarder holds a first signal (the apply finishes), passes a second on once
    // it is armed (Terraform runs), ...
    let sleeper = || {
        std::process::Command::new("sleep")
            .arg("30")
            .process_group(0)
            .spawn()
            .unwrap()
    };
    let raise = || {
        // SAFETY: raising a signal this process handles (the guard is alive).
        unsafe { libc::raise(libc::SIGINT) };
    };
    let running = |child: &mut std::process::Child| {
        std::thread::sleep(Duration::from_millis(300));
        child.try_wait().unwrap().is_none()
    };
    let mut child = sleeper();
    let forward = interrupt::forward_to_apply(child.id(), interrupt::count());
    forward.arm();
    raise();
    assert!(running(&mut child), "a first signal reached the apply");
    drop(forward);
    child.kill().unwrap();
    child.wait().unwrap();
    let mut child = sleeper();
    let forward = interrupt::forward_to_apply(child.id(), interrupt::count());
    raise();
    raise();
    assert!(running(&mut child), "forwarded unarmed");
    forward.arm();
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGINT));
    drop(forward);
    // ... and a third at once, armed or not.
    let mut child = sleeper();
    let forward = interrupt::forward_to_apply(child.id(), interrupt::count());
    raise();
    raise();
    raise();
    assert_eq!(child.wait().unwrap().signal(), Some(libc::SIGINT));
    drop(forward);
}
