//! `cargo xtask local up|status|reset|down` and `--local` auto-start, in a throwaway root.

mod support;

use support::{xtask, TempDir};

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
        .expect(2)
        .contains("0 is not in 1..=10000");
}
