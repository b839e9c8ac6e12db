//! Runs the real `xtask` binary the way a user does, in a throwaway project root.

#![allow(dead_code)]

pub mod fixtures;
pub mod proxy;
pub mod tty;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The repository this test binary was built from.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("mht-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    /// An empty project root: what the tool takes for a checkout (an `infra/` directory) and
    /// nothing else, so every file a command needs is one it writes or the test puts there.
    pub fn checkout(tag: &str) -> TempDir {
        let dir = TempDir::new(tag);
        std::fs::create_dir(dir.path().join("infra")).unwrap();
        dir
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copy a directory tree, leaving out hidden entries (`.terraform` working directories) and links.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if entry.file_name().to_string_lossy().starts_with('.') || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A project root holding a copy of the committed generated files.
pub fn project_copy() -> TempDir {
    let dir = TempDir::new("root");
    copy_tree(
        &repo().join("infra/environments"),
        &dir.path().join("infra/environments"),
    );
    dir
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// Exit code and no panic, whatever the input.
    pub fn expect(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        self
    }

    pub fn contains(&self, needle: &str) -> &Self {
        assert!(
            self.all().contains(needle),
            "output lacks `{needle}`:\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

impl From<std::process::Output> for Output {
    fn from(out: std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// Run `cmd` with `stdin` written to its standard input through a pipe (not a terminal), its
/// output captured.
pub fn piped(cmd: &mut Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// `xtask <args>` with `root` as the project root, MHT_ENV unset unless `env` sets it.
pub fn xtask(root: Option<&Path>, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args).env_remove("MHT_ENV").env_remove("MHT_ROOT");
    if let Some(root) = root {
        cmd.env("MHT_ROOT", root);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run xtask");
    Output::from(out)
}

/// A moto server on a free loopback port, stopped on drop.
pub struct Moto {
    pub port: u16,
    child: std::process::Child,
}

impl Moto {
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// Start with extra environment variables (e.g. `MOTO_ACCOUNT_ID`).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new("moto_server");
        cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_ACM_VALIDATION_WAIT", "0")
            .env_remove("MOTO_ACCOUNT_ID")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .expect("moto_server on PATH (pip install \"moto[server]\")");
        let mut moto = Moto { port, child };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let emulator = xtask::local::Emulator {
            pid: moto.child.id(),
            port,
        };
        while !emulator.healthy() {
            assert!(
                moto.child.try_wait().unwrap().is_none(),
                "moto_server exited (port {port} taken?)"
            );
            assert!(std::time::Instant::now() < deadline, "moto did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `xtask --local <args>` against `moto`.
pub fn xtask_local(moto_endpoint: &str, args: &[&str]) -> Output {
    let root = TempDir::checkout("local");
    let mut all = vec!["--local"];
    all.extend_from_slice(args);
    xtask(
        Some(root.path()),
        &[("MHT_LOCAL_ENDPOINT", moto_endpoint)],
        &all,
    )
}

/// A copy of the workspace sources (not its build output) whose two packages are renamed with
/// `suffix`: Cargo hashes path packages by their place in the workspace, so a copy with the
/// same names would share (and overwrite) this workspace's artifacts. The crate names stay, so
/// the code compiles unchanged; [`cargo_xtask`] builds it into this workspace's target
/// directory, reusing the dependencies.
pub fn workspace_copy(suffix: &str) -> TempDir {
    let dir = TempDir::new(suffix);
    let (from, to) = (repo(), dir.path().to_path_buf());
    for f in ["Cargo.toml", "Cargo.lock", ".gitignore"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    for d in [".cargo", "infra", "xtask", "scripts", "docs"] {
        copy_tree(&from.join(d), &to.join(d));
    }
    let renames = [
        (
            "Cargo.toml",
            "infra = { path = \"infra\" }".to_string(),
            format!("infra = {{ path = \"infra\", package = \"infra-{suffix}\" }}"),
        ),
        (
            "infra/Cargo.toml",
            "name = \"infra\"".into(),
            format!("name = \"infra-{suffix}\""),
        ),
        (
            "infra/Cargo.toml",
            "[lib]\n".into(),
            "[lib]\nname = \"infra\"\n".into(),
        ),
        (
            "xtask/Cargo.toml",
            "name = \"xtask\"".into(),
            format!("name = \"xtask-{suffix}\""),
        ),
        (
            "xtask/Cargo.toml",
            "[lib]\n".into(),
            "[lib]\nname = \"xtask\"\n".into(),
        ),
    ];
    for (file, from, to) in renames {
        edit(dir.path(), file, &from, &to);
    }
    dir
}

/// Replace the first `from` in `root/file` with `to`; returns the original text.
pub fn edit(root: &Path, file: &str, from: &str, to: &str) -> String {
    let path = root.join(file);
    let original = std::fs::read_to_string(&path).unwrap();
    assert!(
        original.contains(from),
        "{file} no longer contains `{from}`"
    );
    std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
    original
}

/// This workspace's target directory (the test binary runs from `<target>/debug/deps`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

/// `cargo xtask <args>` in a [`workspace_copy`] made with `suffix`, as a user types it there.
pub fn cargo_xtask(copy: &Path, suffix: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let package = format!("xtask-{suffix}");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.args(["run", "--quiet", "-p", &package, "--"])
        .args(args)
        .current_dir(copy)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("MHT_ROOT")
        .env_remove("MHT_ENV")
        .env_remove("MHT_LOCAL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run cargo");
    Output::from(out)
}

pub fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

/// Make `dir` a git repository with everything in it committed.
pub fn commit_all(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    let identity = ["-c", "user.email=ci@example.com", "-c", "user.name=ci"];
    git(
        dir,
        &[&identity[..], &["commit", "-qm", "environments"]].concat(),
    );
}
