//! deploy / plan / destroy / history / validate --live through the real binary, on moto, in a
//! throwaway git repository holding the generated roots and the modules.

use crate::support::fixtures::{env, suspend_versioning};
use crate::support::tty::Pty;
use crate::support::{commit_all, copy_tree, git, repo, Moto, Output, TempDir};
use serde_json::json;
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

/// `xtask --local <args>` in `root` against `endpoint`. A non-empty `stdin` is typed in at a
/// terminal (a pseudo-terminal); an empty one is no terminal at all (`/dev/null`), as in CI.
pub(super) fn run(
    root: &Path,
    endpoint: &str,
    env: &[(&str, &str)],
    stdin: &str,
    args: &[&str],
) -> Output {
    let mut pty = (!stdin.is_empty()).then(Pty::open);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.arg("--local")
        .args(args)
        .env("MHT_ROOT", root)
        .env("MHT_LOCAL_ENDPOINT", endpoint)
        .env_remove("MHT_ENV")
        .env_remove("CI")
        .env_remove("MHT_DISCORD_WEBHOOK_URL")
        .stdin(pty.as_ref().map_or_else(Stdio::null, Pty::stdin))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    if let Some(pty) = &mut pty {
        pty.type_in(stdin);
    }
    let out = child.wait_with_output().unwrap();
    Output::from(out)
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

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.expect(0).stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()))
}

/// After staging's deploy: its outputs (all, one raw for scripts, JSON, an unknown name), none
/// for production yet; `envs` with staging's last deploy and the commit it runs.
fn outputs_and_envs(r: &Path, ep: &str) {
    let s = env("staging");
    run(r, ep, &[], "", &["output", "staging"])
        .expect(0)
        .contains("alb_dns_name")
        .contains(&s.names.queue);
    let url = run(r, ep, &[], "", &["output", "staging", "queue_url"]);
    let url = url.expect(0).stdout.trim_end_matches('\n');
    assert!(
        url.starts_with("http") && url.ends_with(&s.names.queue),
        "{url:?}"
    );
    assert!(!url.contains('"') && !url.contains('\n'), "{url:?}");
    let urls = json(&run(
        r,
        ep,
        &[],
        "",
        &["output", "staging", "api_urls", "--format", "json"],
    ));
    let expected: Vec<String> = s
        .dns
        .api_names
        .iter()
        .map(|n| format!("https://{n}"))
        .collect();
    assert_eq!(urls, json!(expected));
    run(r, ep, &[], "", &["output", "staging", "queue"])
        .expect(1)
        .contains("`staging` has no output `queue`; its outputs: ")
        .contains("queue_url");
    run(r, ep, &[], "", &["output", "production"])
        .expect(1)
        .contains("`production` has no outputs");

    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(r)
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    let v = json(&run(r, ep, &[], "", &["envs", "--format", "json"]));
    assert_eq!(v[0]["deployed_commit"], json!(head), "{v:#}");
    assert_eq!(v[0]["last_deploy"]["result"], "no changes", "{v:#}");
    assert_eq!(v[1]["last_deploy"], serde_json::Value::Null, "{v:#}");
    assert_eq!(
        v[1]["records_unavailable"],
        serde_json::Value::Null,
        "{v:#}"
    );
    run(r, ep, &[], "", &["envs"])
        .expect(0)
        .contains("deployed commit")
        .contains(&head[..12]);
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

/// A webhook URL whose token no other text contains.
const LEAK_PROBE: &str = "https://discord.com/api/webhooks/4242/leak-probe-token-7f3a";

/// `secrets set discord-webhook <name>` with [`LEAK_PROBE`] on a pipe, as a script sets it (the
/// command refuses a terminal, where the value would be echoed).
fn set_webhook(root: &Path, endpoint: &str, name: &str) {
    let out: Output = crate::support::piped(
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["--local", "secrets", "set", "discord-webhook", name])
            .env("MHT_ROOT", root)
            .env("MHT_LOCAL_ENDPOINT", endpoint),
        LEAK_PROBE,
    )
    .into();
    out.expect(0);
}

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
    // `envs` still lists every environment, each row saying why its records are out of reach.
    let v = json(&run(r, &ep, &[], "", &["envs", "--format", "json"]));
    assert_eq!(
        (&v[0]["name"], &v[1]["name"]),
        (&json!("staging"), &json!("production"))
    );
    assert_eq!(
        (&v[1]["promoted_from"], &v[1]["protected"]),
        (&json!("staging"), &json!(true))
    );
    let why = v[0]["records_unavailable"].as_str().unwrap_or_default();
    assert!(
        why.contains("run `cargo xtask setup-backend staging`"),
        "{v:#}"
    );
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

    // Staging with no terminal to ask at: refused with the way out; a wrong answer typed at
    // the terminal: nothing applied either.
    run(r, &ep, &[], "", &["deploy", "staging"])
        .expect(1)
        .contains("standard input is not a terminal; pass --yes");
    run(r, &ep, &[], "no\n", &["deploy", "staging"])
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

    // Staging with --yes and the reviewed plan, its webhook set first: applied, checked live,
    // recorded, and the webhook in none of the output, the state, the records or `.mht/`.
    set_webhook(r, &ep, "staging");
    let out = run(
        r,
        &ep,
        &[],
        "",
        &["deploy", "staging", "--yes", "--plan", &plan_file],
    );
    webhook_is_nowhere(r, &ep, "staging", &out);
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
    outputs_and_envs(r, &ep);
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

    // Both environments at once: one block each, in promotion order, then one table.
    let all = run(r, &ep, &[], "", &["plan", "--all"]);
    let text = &all.expect(0).stdout;
    let (a, b) = (text.find("── staging ("), text.find("── production ("));
    assert!(a.is_some() && a < b, "{text}");
    let table = &text[text.rfind("environment").unwrap()..];
    for name in ["staging", "production"] {
        let row = table
            .lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_default();
        assert!(row.contains("no changes"), "{table}");
    }

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
