//! A user edits the environment definitions (or the naming scheme) in a copy of this
//! repository and runs `cargo xtask validate`: each mistake must fail with the path and the fix.
//! The copy builds into this workspace's target directory under another package name, so the
//! dependencies are reused and its binary never replaces the one the other tests run.

mod support;

use std::path::Path;
use std::process::Command;
use support::{copy_tree, repo, TempDir};

/// A copy of the workspace sources (not its build output).
fn workspace_copy() -> TempDir {
    let dir = TempDir::new("mutant");
    let (from, to) = (repo(), dir.path().to_path_buf());
    for f in ["Cargo.toml", "Cargo.lock"] {
        std::fs::copy(from.join(f), to.join(f)).unwrap();
    }
    for d in [".cargo", "infra", "xtask"] {
        copy_tree(&from.join(d), &to.join(d));
    }
    // Cargo hashes path packages by their place in the workspace, so a copy with the same
    // names would share (and overwrite) this workspace's artifacts: rename both packages, keep
    // the crate names.
    rename(
        &to.join("Cargo.toml"),
        "infra = { path = \"infra\" }",
        "infra = { path = \"infra\", package = \"infra-mutant\" }",
    );
    rename(
        &to.join("infra/Cargo.toml"),
        "name = \"infra\"",
        "name = \"infra-mutant\"",
    );
    rename(
        &to.join("infra/Cargo.toml"),
        "[lib]\n",
        "[lib]\nname = \"infra\"\n",
    );
    rename(
        &to.join("xtask/Cargo.toml"),
        "name = \"xtask\"",
        "name = \"xtask-mutant\"",
    );
    rename(
        &to.join("xtask/Cargo.toml"),
        "[lib]\n",
        "[lib]\nname = \"xtask\"\n",
    );
    dir
}

fn rename(manifest: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(manifest).unwrap();
    assert!(
        text.contains(from),
        "{} has no `{from}`",
        manifest.display()
    );
    std::fs::write(manifest, text.replacen(from, to, 1)).unwrap();
}

fn edit(root: &Path, file: &str, from: &str, to: &str) -> String {
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
fn target_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

#[test]
fn each_mistake_fails_validate_with_path_and_fix() {
    let copy = workspace_copy();
    let envs = "infra/src/environments.rs";
    let model = "infra/src/model.rs";
    // (file, original text, mistake, expected location, expected fix)
    let mistakes = [
        (
            envs,
            "n.vpc_cidr = \"10.0.0.0/16\".into();",
            "n.vpc_cidr = \"10.1.0.0/16\".into();",
            "production.network.vpc_cidr",
            "choose a range that overlaps no other environment's VPC",
        ),
        (
            model,
            "data_bucket: format!(\"{p}-data\"),",
            "data_bucket: format!(\"{project}-data\"),",
            "production.names.data_bucket",
            "give each environment its own value",
        ),
        (
            model,
            "data_bucket: format!(\"{p}-data\"),",
            "data_bucket: format!(\"{p}_Data\"),",
            "staging.names.data_bucket",
            "shorten or rename the project or environment",
        ),
        (
            envs,
            "transitions([(30, \"STANDARD_IA\"), (60, \"GLACIER\")",
            "transitions([(7, \"STANDARD_IA\"), (60, \"GLACIER\")",
            "staging.s3.data.lifecycle[0]",
            "set days to 30 or more",
        ),
        (
            envs,
            ".sqs(|q| q.log_retention_days = 7)",
            ".sqs(|q| q.log_retention_days = 10)",
            "staging.sqs.log_retention_days",
            "use one of the allowed values, nearest is 7",
        ),
    ];
    for (file, from, to, location, fix) in mistakes {
        let original = edit(copy.path(), file, from, to);
        let out = Command::new(env!("CARGO"))
            .args(["run", "--quiet", "-p", "xtask-mutant", "--", "validate"])
            .current_dir(copy.path())
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("MHT_ROOT")
            .env_remove("MHT_ENV")
            .output()
            .unwrap();
        std::fs::write(copy.path().join(file), original).unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.status.code(),
            Some(1),
            "`{to}` should fail validate:\n{text}"
        );
        assert!(
            text.contains(&format!("\n{location}\n")),
            "`{to}`: no `{location}` in:\n{text}"
        );
        assert!(text.contains(fix), "`{to}`: no fix `{fix}` in:\n{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}
