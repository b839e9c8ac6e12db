//! `cargo xtask local up|status|reset|down` and `--local` auto-start, in a throwaway root.

mod support;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{xtask, Moto, TempDir};

#[test]
fn local_emulator_lifecycle() {
    let root = TempDir::checkout("emulator");
    let r = Some(root.path());
    xtask(r, &[], &["local", "status"])
        .expect(3)
        .contains("not running");
    let up = xtask(r, &[], &["local", "up"]);
    up.expect(0)
        .contains("started: local emulator at http://127.0.0.1:");
    let state = std::fs::read_to_string(root.path().join(".mht/local.toml")).unwrap();
    assert!(state.contains("port = "), "{state}");
    xtask(r, &[], &["local", "up"])
        .expect(0)
        .contains("already running");
    xtask(r, &[], &["local", "status"])
        .expect(0)
        .contains("running: local emulator at");

    // `--local` uses it; reset drops what it holds.
    xtask(r, &[], &["--local", "setup-backend", "staging"]).expect(0);
    xtask(
        r,
        &[("MHT_LOCAL", "1")],
        &["setup-backend", "staging", "--check"],
    )
    .expect(0);
    xtask(r, &[], &["local", "reset"])
        .expect(0)
        .contains("holds no resources");
    xtask(r, &[], &["--local", "setup-backend", "staging", "--check"])
        .expect(1)
        .contains("MISSING");

    xtask(r, &[], &["local", "down"])
        .expect(0)
        .contains("stopped the local emulator");
    xtask(r, &[], &["local", "status"]).expect(3);
    xtask(r, &[], &["local", "down"])
        .expect(0)
        .contains("not running");
    xtask(r, &[], &["local", "reset"])
        .expect(1)
        .contains("not running");

    // `--local` starts one when none runs, and says so.
    let started = xtask(
        r,
        &[],
        &["--local", "setup-backend", "staging", "--dry-run"],
    );
    started.expect(0).contains("started the local emulator at");
    xtask(r, &[], &["local", "down"]).expect(0);
}

#[test]
fn missing_moto_says_how_to_install_it() {
    let root = TempDir::checkout("nomoto");
    // A PATH without moto_server (but with `kill`).
    let out = xtask(
        Some(root.path()),
        &[("PATH", "/nonexistent")],
        &["local", "up"],
    );
    out.expect(1).contains("pip install \"moto[server]\"");
    let out = xtask(
        Some(root.path()),
        &[("PATH", "/nonexistent")],
        &["--local", "test-s3", "staging"],
    );
    out.expect(1).contains("`moto_server` is not on PATH");
}

#[test]
fn a_stale_state_file_is_replaced() {
    let root = TempDir::checkout("stale");
    let state = root.path().join(".mht/local.toml");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    // A server that is gone (port 9 is never an emulator), then a broken file.
    for content in ["pid = 1\nport = 9\n", "garbage"] {
        std::fs::write(&state, content).unwrap();
        xtask(Some(root.path()), &[], &["local", "status"]).expect(3);
        xtask(Some(root.path()), &[], &["local", "up"])
            .expect(0)
            .contains("started");
        xtask(Some(root.path()), &[], &["local", "down"]).expect(0);
    }
}

#[test]
fn demo_reports_every_missing_prerequisite_before_any_work() {
    let root = TempDir::checkout("demo");
    let start = std::time::Instant::now();
    // Neither terraform nor moto on PATH, and no git checkout at the root: all named at once.
    let out = xtask(Some(root.path()), &[("PATH", "/nonexistent")], &["demo"]);
    out.expect(1)
        .contains("the demo needs:")
        .contains("terraform: install Terraform")
        .contains("pip install \"moto[server]\"")
        .contains("a git checkout");
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(
        !root.path().join(".mht/local.toml").exists(),
        "an emulator was started"
    );
}

#[test]
fn bench_static_figures() {
    let out = xtask(None, &[], &["bench", "--static", "--runs", "1"]);
    out.expect(0)
        .contains("static validate (2 environments)")
        .contains("validate 100 generated environments");
    xtask(None, &[], &["bench", "--runs", "0"])
        .expect(64)
        .contains("0 is not in 1..=10000");
}

/// Another program serving HTTP on a free loopback port, killed on drop.
struct HttpServer {
    port: u16,
    child: Child,
}

impl HttpServer {
    fn start() -> HttpServer {
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "http.server",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 on PATH");
        let server = HttpServer { port, child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "http.server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Whether `pid` is a live process (not a zombie).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !matches!(
            s.rsplit(')').next().unwrap().split_whitespace().next(),
            Some("Z")
        )
    })
}

/// Field 22 of `/proc/<pid>/stat`: the start time `.mht/local.toml` records.
fn start_time(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    fields[19].parse().unwrap()
}

/// Live processes running `moto_server` (or a launcher of it) with `-p port`.
fn motos_on(port: u16) -> Vec<u32> {
    let port = port.to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = String::from_utf8_lossy(&cmdline)
            .split('\0')
            .map(str::to_string)
            .collect();
        let moto = args.iter().any(|a| a.ends_with("moto_server"));
        if moto && args.windows(2).any(|w| w[0] == "-p" && w[1] == port) && alive(pid) {
            found.push(pid);
        }
    }
    found
}

/// `(pid, port)` of the record in `root`, once it is complete.
fn record(root: &Path) -> Option<(u32, u16)> {
    let text = std::fs::read_to_string(root.join(".mht/local.toml")).ok()?;
    let value: toml::Table = toml::from_str(&text).ok()?;
    let pid = value.get("pid")?.as_integer()?;
    let port = value.get("port")?.as_integer()?;
    Some((pid as u32, port as u16))
}

#[test]
fn down_and_reset_leave_a_process_they_did_not_start_alone() {
    let root = TempDir::checkout("notours");
    let r = Some(root.path());
    let state = root.path().join(".mht/local.toml");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    // An HTTP server answers on the recorded port, under the recorded pid.
    let server = HttpServer::start();
    let (pid, port, started) = (server.pid(), server.port, start_time(server.pid()));
    let records = [
        // An older version's record: pid and port only.
        format!("pid = {pid}\nport = {port}\n"),
        // The right start time, but no moto_server.
        format!("pid = {pid}\nport = {port}\nstart_time = {started}\n"),
        // A moto once had the pid (another start time): the pid was reused.
        format!(
            "pid = {pid}\nport = {port}\nstart_time = {}\ncommand = \"moto_server -p {port}\"\n",
            started + 1
        ),
    ];
    for record in &records {
        for action in ["down", "reset"] {
            std::fs::write(&state, record).unwrap();
            xtask(r, &[], &["local", action])
                .expect(1)
                .contains("refusing to")
                .contains(&format!("pid {pid}"))
                .contains("http.server")
                .contains("removed the stale record");
            assert!(alive(pid), "`local {action}` killed pid {pid} ({record})");
            assert!(!state.exists(), "the stale record was kept");
        }
        std::fs::write(&state, record).unwrap();
        xtask(r, &[], &["local", "status"])
            .expect(3)
            .contains("not running:");
        assert!(alive(pid));
    }
}

#[test]
fn another_checkouts_emulator_is_neither_reset_nor_stopped() {
    let root = TempDir::checkout("theirs");
    let r = Some(root.path());
    let state = root.path().join(".mht/local.toml");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    let theirs = Moto::start();
    let pid = motos_on(theirs.port)[0];
    let started = start_time(pid);
    for record in [
        format!("pid = {pid}\nport = {}\n", theirs.port),
        format!(
            "pid = {pid}\nport = {}\nstart_time = {}\n",
            theirs.port,
            started + 1
        ),
    ] {
        std::fs::write(&state, &record).unwrap();
        xtask(r, &[], &["local", "reset"])
            .expect(1)
            .contains("refusing to reset");
        std::fs::write(&state, &record).unwrap();
        xtask(r, &[], &["local", "down"])
            .expect(1)
            .contains(&format!("stop it with `kill {pid}`"));
        assert!(alive(pid), "{record}");
    }
    // The right start time: it is taken as this checkout's own.
    std::fs::write(
        &state,
        format!(
            "pid = {pid}\nport = {}\nstart_time = {started}\n",
            theirs.port
        ),
    )
    .unwrap();
    xtask(r, &[], &["local", "status"]).expect(0);
}

#[test]
fn a_busy_port_is_refused_before_moto_starts() {
    let root = TempDir::checkout("busy");
    let r = Some(root.path());
    let server = HttpServer::start();
    let port = server.port.to_string();
    xtask(r, &[], &["local", "up", "--port", &port])
        .expect(1)
        .contains(&format!("port {port} is in use"));
    assert!(!root.path().join(".mht/local.toml").exists());
    assert_eq!(motos_on(server.port), Vec::<u32>::new());
    // Nothing of this checkout's to reset: the server on the port is left alone.
    xtask(r, &[], &["local", "reset"])
        .expect(1)
        .contains("not running");
    assert!(alive(server.pid()));
}

#[test]
fn port_zero_picks_a_free_port() {
    let root = TempDir::checkout("port0");
    let r = Some(root.path());
    let start = Instant::now();
    xtask(r, &[], &["local", "up", "--port", "0"])
        .expect(0)
        .contains("started: local emulator at http://127.0.0.1:");
    assert!(start.elapsed() < Duration::from_secs(20));
    let (pid, port) = record(root.path()).expect("a record");
    assert_ne!(port, 0);
    assert_eq!(motos_on(port), vec![pid]);
    xtask(r, &[], &["local", "down"])
        .expect(0)
        .contains("stopped the local emulator");
    assert!(!alive(pid));
    assert!(record(root.path()).is_none());
}

/// A `moto_server` first on PATH that waits 2 s, then runs the real one: a start-up long
/// enough to be interrupted.
fn slow_moto(dir: &Path) -> String {
    let path = std::env::var("PATH").unwrap();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("moto_server"))
        .find(|f| f.is_file())
        .expect("moto_server on PATH");
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let script = bin.join("moto_server");
    let body = format!("#!/bin/sh\nsleep 2\nexec '{}' \"$@\"\n", real.display());
    std::fs::write(&script, body).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!("{}:{path}", bin.display())
}

#[test]
fn a_signal_during_start_stops_the_emulator_being_started() {
    let cases: [(&str, &[&str]); 2] = [
        ("INT", &["local", "up"]),
        (
            "TERM",
            &["--local", "setup-backend", "staging", "--dry-run"],
        ),
    ];
    for (signal, args) in cases {
        let root = TempDir::checkout("signal");
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(args)
            .env("MHT_ROOT", root.path())
            .env("PATH", slow_moto(root.path()))
            .env_remove("MHT_ENV")
            .env_remove("MHT_LOCAL_ENDPOINT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Recorded at once after the spawn, long before moto answers.
        let deadline = Instant::now() + Duration::from_secs(20);
        let (moto, port) = loop {
            if let Some(found) = record(root.path()) {
                break found;
            }
            assert!(child.try_wait().unwrap().is_none(), "xtask {args:?} ended");
            assert!(Instant::now() < deadline, "no record within 20 s");
            std::thread::sleep(Duration::from_millis(5));
        };
        let sent = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("interrupted by SIG{signal}")),
            "{stderr}"
        );
        assert!(
            stderr.contains("stopped the local emulator being started"),
            "{stderr}"
        );
        assert!(!alive(moto), "pid {moto} left running");
        assert_eq!(
            motos_on(port),
            Vec::<u32>::new(),
            "a moto on {port} left running"
        );
        assert!(!root.path().join(".mht/local.toml").exists());
    }
}
