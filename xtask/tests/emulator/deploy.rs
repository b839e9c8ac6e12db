//! deploy / plan / destroy / history / validate --live through the real binary, on moto, in a
//! throwaway git repository holding the generated roots and the modules.

use crate::support::fixtures::{env, suspend_versioning};
use crate::support::{commit_all, copy_tree, repo, Moto, Output, TempDir};
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

/// A webhook URL whose token no other text contains.
const LEAK_PROBE: &str = "https://discord.com/api/webhooks/4242/leak-probe-token-7f3a";

/// The webhook set with `secrets set` is in none of: what the deploy printed, the state, the
/// deployment records, every file under `.mht/` (logs, saved plans, zip members included).
fn webhook_is_nowhere(root: &Path, endpoint: &str, name: &str, printed: &Output) {
    let token = "leak-probe-token-7f3a";
    assert!(
        !printed.all().contains(token),
        "printed:\n{}",
        printed.all()
    );
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let s3 = aws.s3();
    let keys = aws
        .block_on(s3.list_objects_v2().bucket(&e.names.state_bucket).send())
        .unwrap();
    let keys: Vec<String> = keys
        .contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect();
    assert!(
        keys.contains(&e.backend.key) && keys.iter().any(|k| k.starts_with("deployments/")),
        "{keys:?}"
    );
    for key in keys {
        let object = aws
            .block_on(
                s3.get_object()
                    .bucket(&e.names.state_bucket)
                    .key(&key)
                    .send(),
            )
            .unwrap();
        let bytes = aws.block_on(object.body.collect()).unwrap().into_bytes();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(token),
            "the webhook is in `{key}`"
        );
    }
    let script = r#"
import os, sys, zipfile
hits, files = [], 0
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        p = os.path.join(d, n); files += 1
        blobs = [open(p, "rb").read()]
        if zipfile.is_zipfile(p):
            blobs += [zipfile.ZipFile(p).read(m) for m in zipfile.ZipFile(p).namelist()]
        hits += [p for b in blobs if sys.argv[2].encode() in b]
print(files, " ".join(hits))
"#;
    let out = Command::new("python3")
        .args(["-c", script, &root.join(".mht").to_string_lossy(), token])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let (files, hits) = text.trim().split_once(' ').unwrap_or((text.trim(), ""));
    assert!(
        files.parse::<u32>().unwrap() > 0,
        "nothing under .mht/ to search"
    );
    assert!(hits.is_empty(), "the webhook is in {hits}");
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
    run(r, &ep, &[], "", &["plan", "staging"])
        .expect(2)
        .contains("to add, 0 to change, 0 to destroy");

    // Staging with --yes: applied, checked live, recorded; its webhook set first.
    run(
        r,
        &ep,
        &[],
        LEAK_PROBE,
        &["secrets", "set", "discord-webhook", "staging"],
    )
    .expect(0);
    let out = run(r, &ep, &[], "", &["deploy", "staging", "--yes"]);
    webhook_is_nowhere(r, &ep, "staging", &out);
    out.expect(0)
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
