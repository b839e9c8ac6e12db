//! deploy / plan / destroy / history / validate --live through the real binary, on moto, in a
//! throwaway git repository holding the generated roots and the modules.

use crate::support::fixtures::{env, suspend_versioning};
use crate::support::{commit_all, copy_tree, git, repo, Moto, Output, TempDir};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// A git repository with the roots and modules, committed.
pub(super) fn checkout() -> TempDir {
    let root = TempDir::new("deploy");
    for dir in ["infra/environments", "infra/modules"] {
        copy_tree(&repo().join(dir), &root.path().join(dir));
    }
    std::fs::write(
        root.path().join(".gitignore"),
        "/.mht/\n.terraform/\n*_override.tf.json\n.terraform.lock.hcl\n",
    )
    .unwrap();
    commit_all(root.path());
    root
}

/// `xtask --local <args>` in `root` against `endpoint`, with `stdin` typed in.
pub(super) fn run(
    root: &Path,
    endpoint: &str,
    env: &[(&str, &str)],
    stdin: &str,
    args: &[&str],
) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("--local")
        .args(args)
        .env("MHT_ROOT", root)
        .env("MHT_LOCAL_ENDPOINT", endpoint)
        .env_remove("MHT_ENV")
        .env_remove("CI")
        .env_remove("MHT_DISCORD_WEBHOOK_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The commit checked out in `root`.
fn head(root: &Path) -> String {
    let out = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(root)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A new commit in `root` adding `file`.
fn commit_all_again(root: &Path, file: &str) {
    std::fs::write(root.join(file), "later").unwrap();
    git(root, &["add", "-A"]);
    git(
        root,
        &[
            "-c",
            "user.email=ci@example.com",
            "-c",
            "user.name=ci",
            "commit",
            "-qm",
            "later",
        ],
    );
}

/// Whether `name`'s Terraform state exists in its state bucket.
fn has_state(endpoint: &str, name: &str) -> bool {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    aws.block_on(
        aws.s3()
            .head_object()
            .bucket(&e.names.state_bucket)
            .key(&e.backend.key)
            .send(),
    )
    .is_ok()
}

/// A one-shot HTTP server on loopback that keeps the body of the first request it gets.
fn webhook() -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/api/webhooks/test",
        listener.local_addr().unwrap()
    );
    let handle = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        let mut data = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            let n = stream.read(&mut buf).unwrap_or(0);
            data.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&data).to_string();
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    .unwrap_or(0);
                if body.len() >= len || n == 0 {
                    stream
                        .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                        .unwrap();
                    return text;
                }
            }
            if n == 0 {
                return text;
            }
        }
    });
    (url, handle)
}

#[test]
fn deploy_guards_records_drift_and_destroy() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let root = checkout();
    let r = root.path();

    // No backend yet: refused before Terraform runs, with the fix.
    run(r, &ep, &[], "", &["deploy", "staging", "--yes"])
        .expect(1)
        .contains("run `cargo xtask setup-backend staging`");
    for name in ["staging", "production"] {
        run(r, &ep, &[], "", &["setup-backend", name]).expect(0);
    }

    // Production without a staging deployment of this commit: refused, nothing applied.
    run(r, &ep, &[], "production\n", &["deploy", "production"])
        .expect(1)
        .contains("has no successful deployment to `staging`");
    assert!(!has_state(&ep, "production"));

    // Staging without confirmation: nothing applied.
    run(r, &ep, &[], "", &["deploy", "staging"])
        .expect(1)
        .contains("not confirmed: nothing applied");
    assert!(!has_state(&ep, "staging"));
    // The reviewed plan: every change listed, JSON of schema 1 with the saved plan's commit and
    // hash; a plan from another commit is refused; then exactly that plan is applied.
    let reviewed = run(r, &ep, &[], "", &["plan", "staging", "--format", "json"]);
    reviewed.expect(2);
    let doc: serde_json::Value = serde_json::from_str(&reviewed.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    assert_eq!(doc["environment"], "staging");
    assert_eq!(doc["clean"], true);
    assert_eq!(doc["commit"], head(r));
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(
        changes.len(),
        doc["counts"]["add"].as_u64().unwrap() as usize
    );
    assert!(changes.iter().all(|c| c["action"] == "create"), "{doc:#}");
    let plan_file = doc["plan_file"].as_str().unwrap().to_string();
    commit_all_again(r, "later.txt");
    run(
        r,
        &ep,
        &[],
        "",
        &["deploy", "staging", "--yes", "--plan", &plan_file],
    )
    .expect(1)
    .contains("was made from commit")
    .contains("run `cargo xtask plan staging`, review it");
    git(r, &["reset", "-q", "--hard", "HEAD~1"]);
    assert!(!has_state(&ep, "staging"));

    // Staging with --yes and the reviewed plan: applied, checked live, recorded.
    let out = run(
        r,
        &ep,
        &[],
        "",
        &["deploy", "staging", "--yes", "--plan", &plan_file],
    );
    out.expect(0)
        .contains("(sha256 ")
        .contains("  +   create   module.s3.aws_s3_bucket.this[\"data\"]")
        .contains("post-deploy checks: ")
        .contains(" 0 failed")
        .contains("result: success")
        .contains("terraform log: ");
    assert!(has_state(&ep, "staging"));
    run(r, &ep, &[], "", &["deploy", "staging", "--yes"])
        .expect(0)
        .contains("plan `staging`: no changes")
        .contains("result: no changes");
    run(r, &ep, &[], "", &["plan", "staging"]).expect(0);
    let history = run(r, &ep, &[], "", &["history", "staging"]);
    history
        .expect(0)
        .contains("no changes")
        .contains("success")
        .contains("failed: not confirmed");

    // Production guards: dirty tree, --yes outside CI, a wrong name typed.
    std::fs::write(r.join("notes.txt"), "wip").unwrap();
    run(r, &ep, &[], "production\n", &["deploy", "production"])
        .expect(1)
        .contains("uncommitted changes");
    std::fs::remove_file(r.join("notes.txt")).unwrap();
    run(r, &ep, &[], "", &["deploy", "production", "--yes"])
        .expect(1)
        .contains("outside CI");
    run(r, &ep, &[], "prod\n", &["deploy", "production"])
        .expect(1)
        .contains("not confirmed");
    assert!(!has_state(&ep, "production"));

    // Production typed: through the promotion gate; Discord gets the result.
    let (url, hook) = webhook();
    let out = run(
        r,
        &ep,
        &[("MHT_DISCORD_WEBHOOK_URL", &url)],
        "production\n",
        &["deploy", "production"],
    );
    out.expect(0)
        .contains("result: success")
        .contains("notified Discord");
    assert!(!out.all().contains(&url), "the webhook URL was printed");
    let request = hook.join().unwrap();
    assert!(request.starts_with("POST /api/webhooks/test"), "{request}");
    assert!(
        request.contains("mht-api `production` deployed commit"),
        "{request}"
    );
    assert!(request.contains("success"), "{request}");

    // Drift: versioning switched off out of band is named; a broken root (error) wins over it.
    let s = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&s, Some(ep.clone())).unwrap();
    suspend_versioning(&aws, &s.names.data_bucket);
    run(r, &ep, &[], "", &["--env", "staging", "validate", "--live"])
        .expect(2)
        .contains("drifted")
        .contains("module.s3.aws_s3_bucket_versioning.this");
    // The update shows the attribute, old → new; applied after another deploy, the saved plan
    // is stale and Terraform refuses it.
    run(r, &ep, &[], "", &["plan", "staging"])
        .expect(2)
        .contains("plan `staging`: 0 to add, 1 to change, 0 to destroy")
        .contains("~   update   module.s3.aws_s3_bucket_versioning.this")
        .contains("versioning_configuration[0].status: \"Suspended\" → \"Enabled\"");
    let plans = r.join(".mht/plans");
    for ext in ["", ".meta.json"] {
        std::fs::copy(
            plans.join(format!("staging.tfplan{ext}")),
            plans.join(format!("reviewed.tfplan{ext}")),
        )
        .unwrap();
    }
    run(r, &ep, &[], "", &["deploy", "staging", "--yes"]).expect(0);
    let reviewed = plans.join("reviewed.tfplan").display().to_string();
    run(
        r,
        &ep,
        &[],
        "",
        &["deploy", "staging", "--yes", "--plan", &reviewed],
    )
    .expect(1)
    .contains("is stale: the state of `staging` changed since the plan was made")
    .contains("run `cargo xtask plan staging` again");
    suspend_versioning(&aws, &s.names.data_bucket);
    run(
        r,
        &ep,
        &[],
        "",
        &["validate", "--live", "--env", "production"],
    )
    .expect(0)
    .contains("clean");
    std::fs::write(
        r.join("infra/environments/production/broken_override.tf.json"),
        "{ not json",
    )
    .unwrap();
    let all = run(
        r,
        &ep,
        &[],
        "",
        &["validate", "--live", "--all", "--format", "json"],
    );
    all.expect(1);
    let v: serde_json::Value = serde_json::from_str(&all.stdout).unwrap();
    assert_eq!(v["environments"][0]["status"], "drifted");
    assert_eq!(v["environments"][1]["status"], "error");
    std::fs::remove_file(r.join("infra/environments/production/broken_override.tf.json")).unwrap();

    // Destroy: production refused outright; staging after typing its name.
    run(r, &ep, &[], "production\n", &["destroy", "production"])
        .expect(1)
        .contains("protected");
    run(r, &ep, &[], "nope\n", &["destroy", "staging"])
        .expect(1)
        .contains("nothing destroyed");
    run(r, &ep, &[], "staging\n", &["destroy", "staging"])
        .expect(0)
        .contains("destroyed `staging`");
    run(
        r,
        &ep,
        &[],
        "",
        &["validate", "--live", "--env", "production"],
    )
    .expect(0);

    // Wrong account: refused before Terraform.
    let other = Moto::start_with(&[("MOTO_ACCOUNT_ID", "111122223333")]);
    run(
        r,
        &other.endpoint(),
        &[],
        "",
        &["deploy", "staging", "--yes"],
    )
    .expect(1)
    .contains("refusing to act on `staging`");
}
