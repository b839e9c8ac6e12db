//! The interrupt handling in its own process: a signal raised under a guard is counted, ends
//! guarded sleeps, and reaches a child's process group once, as SIGINT. (Its own test binary:
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
    // A child in its own process group that reports SIGINT by its exit status.
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new("sleep")
        .arg("30")
        .process_group(0)
        .spawn()
        .unwrap();
    let forward = interrupt::forward_to(child.id());
    // SAFETY: raising a signal this process handles (the guard is alive).
    unsafe { libc::raise(libc::SIGTERM) };
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
}
