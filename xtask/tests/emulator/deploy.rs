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

/// An IAM user of the emulator with an access key: a second identity, as GetCallerIdentity names
/// it. moto takes the service from the signature's scope and does not check the signature.
fn intruder(endpoint: &str) -> aws_sdk_s3::config::Credentials {
    let auth = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0";
    let call = |form: &[(&str, &str)]| {
        ureq::post(endpoint)
            .header("Authorization", auth)
            .send_form(form.iter().copied())
            .unwrap()
            .body_mut()
            .read_to_string()
            .unwrap()
    };
    let version = ("Version", "2010-05-08");
    call(&[("Action", "CreateUser"), ("UserName", "intruder"), version]);
    let key = call(&[
        ("Action", "CreateAccessKey"),
        ("UserName", "intruder"),
        version,
    ]);
    let field = |tag: &str| {
        let start = key.find(&format!("<{tag}>")).unwrap() + tag.len() + 2;
        let end = key.find(&format!("</{tag}>")).unwrap();
        key[start..end].to_string()
    };
    aws_sdk_s3::config::Credentials::new(
        field("AccessKeyId"),
        field("SecretAccessKey"),
        None,
        None,
        "intruder",
    )
}

/// A successful deployment of `commit` to staging, recorded in its state bucket by another
/// identity than the tool's, as `deploy` would record it; returns that identity's ARN.
fn forge_record(endpoint: &str, commit: &str) -> String {
    let s = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&s, Some(endpoint.to_string())).unwrap();
    let creds = intruder(endpoint);
    let sts = aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(&aws.config)
            .credentials_provider(creds.clone())
            .build(),
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&aws.config)
            .credentials_provider(creds)
            .force_path_style(true)
            .build(),
    );
    let caller = aws
        .block_on(sts.get_caller_identity().send())
        .unwrap()
        .arn
        .unwrap();
    let record = xtask::records::Record {
        environment: "staging".into(),
        result: xtask::records::Outcome::Success,
        commit: commit.to_string(),
        started_at: "2026-01-01T00:00:00Z".into(),
        caller: caller.clone(),
        ..Default::default()
    };
    let key = format!("{}forged-{commit}.json", xtask::records::PREFIX);
    let body = serde_json::to_vec(&record).unwrap();
    aws.block_on(
        s3.put_object()
            .bucket(&s.names.state_bucket)
            .key(key)
            .body(body.into())
            .send(),
    )
    .unwrap();
    caller
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
        // moto evaluates bucket policies without the caller: the records deny is not written.
        run(r, &ep, &[], "", &["setup-backend", name])
            .expect(0)
            .contains("records writers")
            .contains("ignores policy principals and conditions");
    }

    // A success recorded by an identity that is not a deployer (the emulator lets it write):
    // the gate ignores it and names that identity.
    let commit = xtask::git::head(r).unwrap();
    let forger = forge_record(&ep, &commit);
    assert_eq!(forger, "arn:aws:iam::123456789012:user/intruder");

    // Production without a staging deployment of this commit: refused, nothing applied.
    run(r, &ep, &[], "production\n", &["deploy", "production"])
        .expect(1)
        .contains(&format!(
            "its caller `{forger}` is not a deployer of `staging`"
        ))
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

    // Staging with --yes: applied, checked live, recorded.
    let out = run(r, &ep, &[], "", &["deploy", "staging", "--yes"]);
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
