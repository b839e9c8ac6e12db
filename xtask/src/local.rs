//! The local AWS emulator: a moto server on loopback, recorded in a git-ignored state file so
//! every command (and `cargo xtask local down`) finds it again.
//!
//! The record names the process (pid, port, start time, command line), and `down` and `reset`
//! act only when the live process is still that one: a moto server this checkout started. A
//! record naming anything else (the pid reused, another program, a record of an older version
//! without the start time) is *stale*: it is removed and nothing is stopped or reset.
//!
//! Identity needs Linux's `/proc`. Without it (macOS, a container without `/proc`) the tool
//! falls back to the old behaviour: the recorded emulator is taken as running when an HTTP
//! server answers on its port, and `down` signals the recorded pid.

use crate::interrupt::{self, Interrupted};
use crate::project::Project;
use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where the emulator's record is kept, relative to the project root.
pub const STATE_FILE: &str = ".mht/local.toml";
/// The emulator's own log, relative to the project root.
pub const LOG_FILE: &str = ".mht/moto.log";
/// How to get moto when it is missing.
pub const INSTALL_HINT: &str = "install it with `pip install \"moto[server]\"`";
/// How long moto may take to answer after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Emulator {
    pub pid: u32,
    pub port: u16,
}

impl Emulator {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Whether an HTTP server answers on the port.
    pub fn healthy(&self) -> bool {
        http(self.port, "GET", "/moto-api/").is_ok_and(|r| r.starts_with("HTTP/1."))
    }
}

/// The state file: the emulator and what identifies its process beyond the pid.
#[derive(serde::Serialize, serde::Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub pid: u32,
    pub port: u16,
    /// Field 22 of `/proc/<pid>/stat` (clock ticks after boot): a reused pid has another one.
    /// Absent in records of older versions and where there is no `/proc`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<u64>,
    /// The command line at start, for people reading the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

impl Record {
    /// The record of the process `pid` just started to serve `port`.
    fn of(pid: u32, port: u16) -> Record {
        // Just after the spawn the command line may not be set up yet (the exec is finishing).
        let mut live = Process::read(pid);
        for _ in 0..20 {
            if live.as_ref().is_none_or(|l| !l.args.is_empty()) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
            live = Process::read(pid);
        }
        Record {
            pid,
            port,
            start_time: live.as_ref().map(|l| l.start_time),
            command: live.map(|l| l.command()),
        }
    }

    pub fn emulator(&self) -> Emulator {
        Emulator {
            pid: self.pid,
            port: self.port,
        }
    }
}

/// A live process as `/proc` shows it.
#[derive(Debug)]
struct Process {
    start_time: u64,
    args: Vec<String>,
}

impl Process {
    /// `None` when there is no such process (or only its zombie), or no `/proc`.
    fn read(pid: u32) -> Option<Process> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // `pid (comm) state …`: comm may hold spaces and parentheses; fields count from 1.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        if matches!(fields.first(), Some(&"Z" | &"X") | None) {
            return None;
        }
        let start_time = fields.get(22 - 3)?.parse().ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let args = String::from_utf8_lossy(&cmdline)
            .split('\0')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        Some(Process { start_time, args })
    }

    fn command(&self) -> String {
        self.args.join(" ")
    }

    /// A `moto_server` (or its launcher: a pyenv shim, `pyenv exec`) serving `port`.
    fn is_moto_on(&self, port: u16) -> bool {
        let port = port.to_string();
        self.args
            .iter()
            .any(|a| Path::new(a).file_name().is_some_and(|n| n == "moto_server"))
            && self.args.windows(2).any(|w| w[0] == "-p" && w[1] == port)
    }
}

/// Whether processes can be identified here (Linux's `/proc`).
fn has_proc() -> bool {
    Path::new("/proc/self/stat").exists()
}

/// What the state file says, checked against the live process.
#[derive(Debug)]
pub enum State {
    /// No state file.
    None,
    /// The emulator this checkout started; it may not answer yet.
    Ours(Emulator),
    /// A record that does not name this checkout's emulator.
    Stale(Stale),
}

/// A stale record and what was found in its place.
#[derive(Debug)]
pub struct Stale {
    /// Pid and port 0 when the file is unreadable.
    record: Record,
    found: Found,
}

#[derive(Debug)]
enum Found {
    /// The file cannot be read as a record.
    Unreadable,
    /// No process with the pid, or (without `/proc`) nothing answers on the port.
    Nothing,
    /// The pid now belongs to another process.
    Other(Process),
    /// A record of an older version (no start time): the process cannot be told apart.
    Unchecked(Process),
}

impl Stale {
    /// Whether a live process carries the recorded pid: stopping it would hit the wrong one.
    pub fn is_alive(&self) -> bool {
        matches!(self.found, Found::Other(_) | Found::Unchecked(_))
    }

    /// What the record names and what is there instead.
    pub fn describe(&self) -> String {
        let Record { pid, port, .. } = &self.record;
        match &self.found {
            Found::Unreadable => format!("`{STATE_FILE}` is not a readable record"),
            Found::Nothing => {
                format!("the recorded emulator (pid {pid}, port {port}) is gone")
            }
            Found::Other(live) => format!(
                "the recorded emulator (pid {pid}, port {port}) is gone; pid {pid} is now `{}`",
                live.command()
            ),
            Found::Unchecked(live) => format!(
                "`{STATE_FILE}` comes from an older version and lacks the process start time, \
                 so pid {pid} (`{}`) cannot be confirmed as the emulator this checkout started",
                live.command()
            ),
        }
    }

    /// What the user may do about the process the record names, if anything.
    pub fn advice(&self) -> String {
        let pid = self.record.pid;
        match &self.found {
            Found::Other(live) | Found::Unchecked(live) if live.is_moto_on(self.record.port) => {
                format!("; if that emulator is yours, stop it with `kill {pid}`")
            }
            Found::Unreadable => "; if a `moto_server` is left over, find it with \
                                   `pgrep -af moto_server` and stop it with `kill <pid>`"
                .into(),
            _ => String::new(),
        }
    }

    /// Remove the record (never the process).
    pub fn forget(&self, p: &Project) -> Result<()> {
        remove_record(p)
    }
}

/// One plain HTTP/1.0 request to the loopback port; returns the raw response.
fn http(port: u16, method: &str, path: &str) -> std::io::Result<String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_millis(500))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n"
    )?;
    let mut out = String::new();
    stream.read_to_string(&mut out)?;
    Ok(out)
}

fn state_path(p: &Project) -> PathBuf {
    p.root.join(STATE_FILE)
}

/// The state file, if it exists; `Err(())` when it cannot be parsed.
fn read_record(p: &Project) -> Result<Option<Result<Record, ()>>> {
    let path = state_path(p);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some(toml::from_str(&text).map_err(|_| ()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

/// Write the record whole (a reader never sees half of it). Unless `replace`, fails with
/// `AlreadyExists` when another command wrote one meanwhile.
fn write_record(p: &Project, record: &Record, replace: bool) -> std::io::Result<()> {
    let text = toml::to_string(record).map_err(std::io::Error::other)?;
    let path = state_path(p);
    let temp = path.with_extension(format!("toml.{}", std::process::id()));
    std::fs::write(&temp, text)?;
    let placed = if replace {
        std::fs::rename(&temp, &path)
    } else {
        // A hard link, unlike a rename, never replaces an existing file.
        std::fs::hard_link(&temp, &path)
    };
    let _ = std::fs::remove_file(&temp);
    placed
}

fn remove_record(p: &Project) -> Result<()> {
    let path = state_path(p);
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(e).with_context(|| format!("cannot remove `{}`", path.display()))
        }
        _ => Ok(()),
    }
}

/// The state file checked against the live process.
pub fn state(p: &Project) -> Result<State> {
    let record = match read_record(p)? {
        None => return Ok(State::None),
        Some(Ok(record)) => record,
        Some(Err(())) => {
            let record = Record {
                pid: 0,
                port: 0,
                start_time: None,
                command: None,
            };
            let found = Found::Unreadable;
            return Ok(State::Stale(Stale { record, found }));
        }
    };
    // `kill 0` signals the whole group and `kill -1` everything: such a pid is never ours.
    let found = if record.pid == 0 || i32::try_from(record.pid).is_err() {
        Found::Nothing
    } else if !has_proc() {
        // No way to identify the process: the old behaviour, an answer on the port (init
        // excepted: the emulator is a child of this tool).
        if record.pid > 1 && record.emulator().healthy() {
            return Ok(State::Ours(record.emulator()));
        }
        Found::Nothing
    } else {
        match (Process::read(record.pid), record.start_time) {
            (None, _) => Found::Nothing,
            (Some(live), None) => Found::Unchecked(live),
            (Some(live), Some(t)) if live.start_time == t && live.is_moto_on(record.port) => {
                return Ok(State::Ours(record.emulator()));
            }
            (Some(live), Some(_)) => Found::Other(live),
        }
    };
    Ok(State::Stale(Stale { record, found }))
}

/// The emulator this checkout started, if it answers.
pub fn running(p: &Project) -> Result<Option<Emulator>> {
    Ok(match state(p)? {
        State::Ours(e) => Some(e).filter(Emulator::healthy),
        _ => None,
    })
}

/// A free loopback port, chosen by the system.
fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Fail unless `port` can be bound on 127.0.0.1 (it is bound and released at once).
fn check_port(port: u16) -> Result<()> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => bail!(
            "port {port} is in use: something else listens on 127.0.0.1:{port}; choose another \
             with `--port`, or leave it out for a free one"
        ),
        Err(e) => Err(e).with_context(|| format!("cannot use port {port} on 127.0.0.1")),
    }
}

/// Start moto on `port` (`None` or 0: a free one) unless this checkout's emulator runs;
/// returns it and whether this call started it. Interruptible: see [`interrupt`].
pub fn up(p: &Project, port: Option<u16>) -> Result<(Emulator, bool)> {
    let port = port.filter(|&port| port != 0);
    // Twice at most: a command that starts one at the same time wins the record.
    for _ in 0..2 {
        match state(p)? {
            State::Ours(e) => {
                if port.is_some_and(|want| want != e.port) {
                    bail!(
                        "the local emulator already runs on port {}; run `cargo xtask local down` first",
                        e.port
                    );
                }
                await_other(&e)?;
                return Ok((e, false));
            }
            State::Stale(stale) => {
                eprintln!(
                    "note: {}; removed the stale record{}",
                    stale.describe(),
                    stale.advice()
                );
                stale.forget(p)?;
            }
            State::None => {}
        }
        if let Some(e) = start(p, port)? {
            return Ok((e, true));
        }
    }
    bail!("another command keeps starting the local emulator; run `cargo xtask local status`")
}

/// Wait until this checkout's emulator, started by another command, answers.
fn await_other(e: &Emulator) -> Result<()> {
    let _guard = interrupt::guard();
    let deadline = Instant::now() + START_TIMEOUT;
    while !e.healthy() {
        if has_proc() && Process::read(e.pid).is_none() {
            bail!(
                "the local emulator (pid {}) exited before answering; see `{LOG_FILE}`",
                e.pid
            );
        }
        if Instant::now() > deadline {
            bail!(
                "the local emulator (pid {}) runs but does not answer on port {}; see `{LOG_FILE}`; \
                 `cargo xtask local down` stops it",
                e.pid,
                e.port
            );
        }
        interrupt::sleep(Duration::from_millis(100))?;
    }
    Ok(())
}

/// Spawn moto, record it at once, wait until it answers; on any failure (a signal included)
/// stop it and remove the record. `Ok(None)` when another command recorded its own meanwhile.
fn start(p: &Project, port: Option<u16>) -> Result<Option<Emulator>> {
    let port = match port {
        Some(port) => {
            check_port(port)?;
            port
        }
        None => free_port()?,
    };
    // Before the spawn: a signal from here on is handled, not fatal.
    let _guard = interrupt::guard();
    let mut child = spawn(p, port)?;
    let record = Record::of(child.id(), port);
    if let Err(e) = write_record(p, &record, false) {
        stop_child(&mut child);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Ok(None);
        }
        let path = state_path(p);
        return Err(e).with_context(|| format!("cannot write `{}`", path.display()));
    }
    if let Err(e) = await_start(p, &mut child, port) {
        stop_child(&mut child);
        if let Err(left) = remove_record(p) {
            eprintln!("warning: {left:#}");
        }
        if e.is::<Interrupted>() {
            eprintln!(
                "stopped the local emulator being started (pid {}) and removed its record",
                record.pid
            );
        }
        return Err(e);
    }
    // Informative only: the command line moto ended as, after its launchers (pyenv shims).
    let command = Process::read(record.pid).map(|l| l.command());
    if command.is_some() && command != record.command {
        let _ = write_record(
            p,
            &Record {
                command,
                ..record.clone()
            },
            true,
        );
    }
    Ok(Some(record.emulator()))
}

/// `moto_server` on 127.0.0.1:`port`, logging to [`LOG_FILE`], in its own process group.
fn spawn(p: &Project, port: u16) -> Result<Child> {
    let log_path = p.root.join(LOG_FILE);
    if let Some(dir) = log_path.parent() {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create `{}`", dir.display()))?;
    }
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create `{}`", log_path.display()))?;
    let mut command = Command::new("moto_server");
    command
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        // ACM certificates validate at once instead of after a minute.
        .env("MOTO_ACM_VALIDATION_WAIT", "0")
        // Each request's account comes from its credentials (assumed roles: the role's
        // account), never from one account pinned for all.
        .env_remove("MOTO_ACCOUNT_ID")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // Its own process group: Ctrl-C in the terminal that started it does not stop it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    match command.spawn() {
        Ok(child) => Ok(child),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("`moto_server` is not on PATH: the local emulator needs moto; {INSTALL_HINT}")
        }
        Err(e) => Err(e).context("cannot start `moto_server`"),
    }
}

/// Wait until the child answers on `port`: fails when it exits (with the end of its log),
/// after [`START_TIMEOUT`], or on a signal ([`Interrupted`]).
fn await_start(p: &Project, child: &mut Child, port: u16) -> Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        interrupt::check()?;
        // The child first: another server answering on the port is not this one.
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(p.root.join(LOG_FILE)).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            bail!(
                "`moto_server` died during start-up ({status}) before answering on port {port}; \
                 nothing recorded; the end of `{LOG_FILE}`: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            );
        }
        // The port was free just before the spawn, so what answers is moto (a program taking
        // the port in that instant would make moto exit after this; it is not worth a lock).
        if (Emulator {
            pid: child.id(),
            port,
        })
        .healthy()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("`moto_server` did not answer on port {port} within 30 s; see `{LOG_FILE}`");
        }
        interrupt::sleep(Duration::from_millis(100))?;
    }
}

/// Kill a child this process started, with its process group (whatever its launcher left
/// behind), and reap it.
fn stop_child(child: &mut Child) {
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: a plain system call; the child leads its own group (see `spawn`).
        unsafe { libc::killpg(pgid, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `MHT_LOCAL_ENDPOINT`: an emulator run elsewhere, which this tool neither starts nor stops.
pub fn external_endpoint() -> Option<String> {
    std::env::var("MHT_LOCAL_ENDPOINT")
        .ok()
        .filter(|u| !u.is_empty())
}

/// The endpoint of the emulator, and whether this call started it: the external one when set,
/// else the one this tool manages, started if needed.
pub fn ensure_running(p: &Project) -> Result<(String, bool)> {
    if let Some(url) = external_endpoint() {
        return Ok((url, false));
    }
    let (e, started) = up(p, None)?;
    if started {
        eprintln!(
            "started the local emulator at {} (stop it with `cargo xtask local down`)",
            e.endpoint()
        );
    }
    Ok((e.endpoint(), started))
}

/// What `down` did.
#[derive(Debug)]
pub enum Stopped {
    /// There was no record.
    NotRecorded,
    /// This checkout's emulator was stopped and its record removed.
    Stopped(Emulator),
    /// The record named nothing alive; it was removed. The description says what it named.
    Stale(String),
}

/// Stop this checkout's emulator and remove its record. A record naming a live process that
/// is not this checkout's emulator is removed and the process left alone: an error.
pub fn down(p: &Project) -> Result<Stopped> {
    match state(p)? {
        State::None => Ok(Stopped::NotRecorded),
        State::Stale(stale) => {
            stale.forget(p)?;
            if stale.is_alive() {
                bail!(
                    "refusing to stop pid {}: {}; removed the stale record and stopped nothing{}",
                    stale.record.pid,
                    stale.describe(),
                    stale.advice()
                );
            }
            Ok(Stopped::Stale(format!(
                "{}; removed the stale record{}",
                stale.describe(),
                stale.advice()
            )))
        }
        State::Ours(e) => {
            terminate(e.pid)?;
            remove_record(p)?;
            Ok(Stopped::Stopped(e))
        }
    }
}

/// SIGTERM, then SIGKILL after 10 s; returns once the process is gone.
fn terminate(pid: u32) -> Result<()> {
    let gone = || {
        if has_proc() {
            Process::read(pid).is_none()
        } else {
            // The old behaviour: `kill -0` says whether the pid exists.
            !signal(pid, "0")
        }
    };
    for (name, wait) in [("TERM", 10), ("KILL", 5)] {
        if !signal(pid, name) && !gone() {
            bail!("cannot stop the emulator (pid {pid}); stop it by hand");
        }
        let deadline = Instant::now() + Duration::from_secs(wait);
        while !gone() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        if gone() {
            return Ok(());
        }
    }
    bail!("the emulator (pid {pid}) does not stop; stop it by hand")
}

/// `kill -<signal> <pid>`; whether it succeeded.
fn signal(pid: u32, signal: &str) -> bool {
    Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// This checkout's emulator, answering, for `reset`; otherwise an error saying why not (a
/// stale record is removed).
pub fn ours_for_reset(p: &Project) -> Result<Emulator> {
    match state(p)? {
        State::None => {
            bail!("the local emulator is not running; start it with `cargo xtask local up`")
        }
        State::Stale(stale) => {
            stale.forget(p)?;
            let verb = if stale.is_alive() {
                "refusing to reset"
            } else {
                "the local emulator is not running"
            };
            bail!(
                "{verb}: {}; removed the stale record{}; start this checkout's own emulator with \
                 `cargo xtask local up`",
                stale.describe(),
                stale.advice()
            )
        }
        State::Ours(e) if !e.healthy() => bail!(
            "the local emulator (pid {}) does not answer on port {}; see `{LOG_FILE}`",
            e.pid,
            e.port
        ),
        State::Ours(e) => Ok(e),
    }
}

/// Drop every resource the emulator holds.
pub fn reset(e: &Emulator) -> Result<()> {
    let response = http(e.port, "POST", "/moto-api/reset")
        .with_context(|| format!("cannot reach the emulator at {}", e.endpoint()))?;
    if !response.starts_with("HTTP/1.0 200") && !response.starts_with("HTTP/1.1 200") {
        bail!(
            "the emulator refused the reset: {}",
            response.lines().next().unwrap_or_default()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_read_from_proc_and_is_no_emulator() {
        if !has_proc() {
            return;
        }
        let me = Process::read(std::process::id()).unwrap();
        assert!(me.start_time > 0);
        assert!(!me.is_moto_on(0));
        assert!(Process::read(u32::MAX).is_none());
    }

    #[test]
    fn moto_is_known_by_its_launchers_and_port() {
        let process = |args: &[&str]| Process {
            start_time: 1,
            args: args.iter().map(|a| a.to_string()).collect(),
        };
        let python = [
            "/usr/bin/python3",
            "/usr/local/bin/moto_server",
            "-H",
            "127.0.0.1",
        ];
        let shim = [
            "bash",
            "/home/u/.pyenv/shims/moto_server",
            "-H",
            "127.0.0.1",
        ];
        for base in [&python[..], &shim[..]] {
            assert!(process(&[base, &["-p", "5000"]].concat()).is_moto_on(5000));
            assert!(!process(&[base, &["-p", "5001"]].concat()).is_moto_on(5000));
        }
        assert!(!process(&["python3", "-m", "http.server", "-p", "5000"]).is_moto_on(5000));
        assert!(!process(&["/bin/not_moto_server", "-p", "5000"]).is_moto_on(5000));
    }

    #[test]
    fn old_records_still_parse() {
        let old: Record = toml::from_str("pid = 12\nport = 5000\n").unwrap();
        assert_eq!(old.start_time, None);
        let new = Record {
            start_time: Some(7),
            command: Some("moto_server -p 5000".into()),
            ..old.clone()
        };
        let text = toml::to_string(&new).unwrap();
        assert_eq!(toml::from_str::<Record>(&text).unwrap(), new);
    }
}
