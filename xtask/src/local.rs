//! The local AWS emulator: a moto server on loopback, its pid and port kept in a git-ignored
//! state file so every command (and `cargo xtask local down`) finds it again.

use crate::project::Project;
use anyhow::{bail, Context, Result};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Where the emulator's pid and port are kept, relative to the project root.
pub const STATE_FILE: &str = ".mht/local.toml";
/// The emulator's own log, relative to the project root.
pub const LOG_FILE: &str = ".mht/moto.log";
/// How to get moto when it is missing.
pub const INSTALL_HINT: &str = "install it with `pip install \"moto[server]\"`";

#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
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

/// The emulator recorded in the state file, if the file exists and is valid.
pub fn recorded(p: &Project) -> Result<Option<Emulator>> {
    let path = state_path(p);
    match std::fs::read_to_string(&path) {
        Ok(text) => match toml::from_str(&text) {
            Ok(e) => Ok(Some(e)),
            // A broken state file only loses track of a server; say so and start afresh.
            Err(_) => {
                eprintln!(
                    "warning: ignoring unreadable `{}`; run `cargo xtask local down` if a server is left over",
                    path.display()
                );
                Ok(None)
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", path.display())),
    }
}

/// The running emulator, if the recorded one answers.
pub fn running(p: &Project) -> Result<Option<Emulator>> {
    Ok(recorded(p)?.filter(Emulator::healthy))
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("no free loopback port")?;
    Ok(listener.local_addr()?.port())
}

/// Start moto on `port` (or a free one) unless one is running; returns it.
pub fn up(p: &Project, port: Option<u16>) -> Result<(Emulator, bool)> {
    if let Some(e) = running(p)? {
        if port.is_none_or(|want| want == e.port) {
            return Ok((e, false));
        }
        bail!(
            "the local emulator already runs on port {}; run `cargo xtask local down` first",
            e.port
        );
    }
    let port = match port {
        Some(port) => port,
        None => free_port()?,
    };
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
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // Its own process group: Ctrl-C in the terminal that started it does not stop it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("`moto_server` is not on PATH: the local emulator needs moto; {INSTALL_HINT}")
        }
        Err(e) => return Err(e).context("cannot start `moto_server`"),
    };
    let emulator = Emulator {
        pid: child.id(),
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !emulator.healthy() {
        if let Some(status) = child.try_wait()? {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(5).collect();
            bail!(
                "`moto_server` exited ({status}) before answering on port {port}: {}",
                tail.into_iter().rev().collect::<Vec<_>>().join(" / ")
            );
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            bail!("`moto_server` did not answer on port {port} within 30 s; see `{LOG_FILE}`");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let text = toml::to_string(&emulator)?;
    let path = state_path(p);
    std::fs::write(&path, text).with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok((emulator, true))
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

/// Stop the recorded emulator; `Ok(false)` when none was recorded.
pub fn down(p: &Project) -> Result<bool> {
    let Some(e) = recorded(p)? else {
        return Ok(false);
    };
    if e.healthy() {
        let status = Command::new("kill")
            .arg(e.pid.to_string())
            .status()
            .context("cannot run `kill`")?;
        if !status.success() {
            bail!("cannot stop the emulator (pid {}); stop it by hand", e.pid);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while e.healthy() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    let path = state_path(p);
    std::fs::remove_file(&path).with_context(|| format!("cannot remove `{}`", path.display()))?;
    Ok(true)
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
