//! Ctrl-C at any moment of a deploy, and locks left behind: the tool stops Terraform
//! gracefully, records `interrupted`, exits 130, leaves no lock (or names it with the command
//! that releases it), and the next deploy converges. A release lock still held (a deploy or a
//! rollback that died) refuses `deploy` and `rollback` at once; `unlock` releases it by its id.

use super::deploy::{checkout, run};
use crate::support::fixtures::env;
use crate::support::{Moto, Output};
use aws_sdk_dynamodb::types::AttributeValue;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lock item Terraform writes, as a run that died would leave it.
/// The lock information Terraform writes for an apply by `tester@gone-host` on `e`'s state.
pub(super) fn lock_info(e: &infra::Environment, id: &str) -> serde_json::Value {
    serde_json::json!({
        "ID": id, "Operation": "OperationTypeApply", "Info": "", "Who": "tester@gone-host",
        "Version": "1.11.4", "Created": "2026-01-02T03:04:05.000000Z",
        "Path": format!("{}/{}", e.names.state_bucket, e.backend.key),
    })
}

pub(super) fn leave_lock(endpoint: &str, name: &str, id: &str) {
    put_lock(endpoint, name, |e| lock_info(e, id)).unwrap();
}

/// Write the lock item `info` makes for `name` into its lock table, where none is held.
fn put_lock(
    endpoint: &str,
    name: &str,
    info: impl FnOnce(&infra::Environment) -> serde_json::Value,
) -> Result<(), String> {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    aws.block_on(
        aws.dynamodb()
            .put_item()
            .table_name(&e.names.lock_table)
            .item(
                "LockID",
                AttributeValue::S(format!("{}/{}", e.names.state_bucket, e.backend.key)),
            )
            .item("Info", AttributeValue::S(info(&e).to_string()))
            .condition_expression("attribute_not_exists(LockID)")
            .send(),
    )
    .map(|_| ())
    .map_err(|e| format!("{e:?}"))
}

/// The release lock `tester@gone-host` took on `name` for `operation`, as a run that died leaves it.
fn leave_release_lock(endpoint: &str, name: &str, id: &str, operation: &str) {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let body = serde_json::json!({
        "id": id, "who": "tester@gone-host", "operation": operation,
        "created": "2026-01-02T03:04:05Z",
    });
    aws.block_on(
        aws.s3()
            .put_object()
            .bucket(&e.names.state_bucket)
            .key(xtask::backend::release_lock::key(&e))
            .body(body.to_string().into_bytes().into())
            .send(),
    )
    .unwrap();
}

/// The id of the release lock held on `name`, if one is.
fn release_lock(endpoint: &str, name: &str) -> Option<String> {
    release_lock_held(endpoint, name).map(|l| l.id)
}

/// The release lock held on `name`, if one is.
pub(super) fn release_lock_held(
    endpoint: &str,
    name: &str,
) -> Option<xtask::backend::state_lock::Lock> {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    xtask::backend::release_lock::held(&aws, &e).unwrap()
}

#[test]
fn a_stale_lock_is_named_at_once_and_released_by_its_id() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let root = checkout();
    let r = root.path();
    run(r, &ep, &[], "", &["setup-backend", "staging"]).expect(0);
    leave_lock(&ep, "staging", "dead-beef-1");

    let start = Instant::now();
    run(r, &ep, &[], "", &["plan", "staging"])
        .expect(1)
        .contains("the Terraform state of `staging` is locked: held by tester@gone-host for apply since 2026-01-02T03:04:05.000000Z (")
        .contains("release it with `cargo xtask unlock staging dead-beef-1`");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "not reported at once"
    );
    run(r, &ep, &[], "", &["destroy", "staging"])
        .expect(1)
        .contains("is locked");

    // A release lock left by a deploy that died as well: `deploy` is refused at once, before
    // Terraform runs, naming both locks and the commands that release them.
    leave_release_lock(&ep, "staging", "dead-beef-r1", "deploy --version 2.0");
    let start = Instant::now();
    let refused = run(r, &ep, &[], "", &["deploy", "staging", "--yes"]);
    refused
        .expect(1)
        .contains("refusing to deploy `staging`: its release lock is held by tester@gone-host for deploy --version 2.0 since 2026-01-02T03:04:05Z (")
        .contains("lock id dead-beef-r1 (a deploy or rollback is releasing); if that run is over (killed, or its machine gone), release it with")
        .contains("release it with `cargo xtask unlock staging dead-beef-r1`")
        .contains("the Terraform state of `staging` is locked too: held by tester@gone-host for apply")
        .contains("release that with `cargo xtask unlock staging dead-beef-1`");
    assert!(!refused.all().contains("terraform log"), "Terraform ran");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "not refused at once"
    );
    assert_eq!(
        release_lock(&ep, "staging").as_deref(),
        Some("dead-beef-r1"),
        "the refused deploy touched the lock it does not hold"
    );

    // `unlock` releases either lock by its id, and nothing for another id.
    run(r, &ep, &[], "", &["unlock", "staging", "other-id"])
        .expect(1)
        .contains("the state lock of `staging` is held by tester@gone-host for apply")
        .contains(
            "the release lock of `staging` is held by tester@gone-host for deploy --version 2.0",
        )
        .contains("neither is `other-id`: nothing released");
    run(r, &ep, &[], "", &["unlock", "staging", "dead-beef-1"])
        .expect(0)
        .contains("released: the state of `staging` is unlocked");
    run(r, &ep, &[], "", &["unlock", "staging", "dead-beef-1"])
        .expect(1)
        .contains("lock id dead-beef-r1, not `dead-beef-1`: nothing released");
    // A destroy while a release runs is refused too, before Terraform.
    run(r, &ep, &[], "", &["destroy", "staging"])
        .expect(1)
        .contains("refusing to destroy `staging`: its release lock is held by tester@gone-host");
    run(r, &ep, &[], "", &["unlock", "staging", "dead-beef-r1"])
        .expect(0)
        .contains("releasing the release lock of `staging` held by tester@gone-host")
        .contains("released: the releases of `staging` are unlocked");
    assert_eq!(release_lock(&ep, "staging"), None);
    run(r, &ep, &[], "", &["unlock", "staging", "dead-beef-r1"])
        .expect(0)
        .contains("nothing to release");
    // A lock request answered twice (a loaded server): Terraform finds its own lock held,
    // waits out its lock timeout and stops; the tool releases that lock and plans once more.
    // (Terraform waits 5 s for the lock here, not the 60 s it waits by default.)
    let planted = own_lock_during_the_next_init(r, &ep, "staging");
    let wait = [("MHT_LOCK_TIMEOUT", "5s")];
    run(r, &ep, &wait, "", &["plan", "staging"])
        .expect(2)
        .contains("note: Terraform stopped on its own state lock of `staging`")
        .contains("lock id own-lock-1): its lock request was answered twice; released, running `terraform plan` once more");
    planted.join().unwrap();
    assert_eq!(held(&ep, "staging"), None);
    // Ctrl-C at a deploy's confirmation stops it and releases its release lock.
    let out = interrupt_prompt(r, &ep);
    assert_eq!(out.code, 130, "{}", out.all());
    assert!(
        out.all()
            .contains("interrupted at the confirmation: nothing applied to `staging`"),
        "{}",
        out.all()
    );
    assert_eq!(release_lock(&ep, "staging"), None, "{}", out.all());
    run(r, &ep, &[], "", &["plan", "staging"]).expect(2);

    // A protected environment's lock is released only when its name is typed (`--yes` in CI).
    run(r, &ep, &[], "", &["setup-backend", "production"]).expect(0);
    leave_lock(&ep, "production", "dead-beef-2");
    let unlock = ["unlock", "production", "dead-beef-2"];
    run(r, &ep, &[], "prod\n", &unlock)
        .expect(1)
        .contains("type `production` to confirm")
        .contains("not confirmed: the state lock of `production` is still held");
    run(r, &ep, &[], "", &[&unlock[..], &["--yes"]].concat())
        .expect(1)
        .contains("refusing --yes for protected `production` outside CI");
    run(r, &ep, &[], "production\n", &unlock)
        .expect(0)
        .contains("released: the state of `production` is unlocked");
    // A rollback that died: the next `rollback` is refused at once, the lock released by its id
    // with the name typed.
    leave_release_lock(&ep, "production", "dead-beef-r2", "rollback");
    run(r, &ep, &[("CI", "true")], "", &["rollback", "production", "--yes"])
        .expect(1)
        .contains("refusing to roll back `production`: its release lock is held by tester@gone-host for rollback since 2026-01-02T03:04:05Z (")
        .contains("release it with `cargo xtask unlock production dead-beef-r2`");
    let unlock = ["unlock", "production", "dead-beef-r2"];
    run(r, &ep, &[], "prod\n", &unlock)
        .expect(1)
        .contains("release the release lock on protected `production` (held by tester@gone-host for rollback")
        .contains("not confirmed: the release lock of `production` is still held");
    run(
        r,
        &ep,
        &[("CI", "true")],
        "",
        &[&unlock[..], &["--yes"]].concat(),
    )
    .expect(0)
    .contains("released: the releases of `production` are unlocked");
    assert_eq!(release_lock(&ep, "production"), None);
    // The saved plan holds state values: open to the owner only, in a directory likewise.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&r.join(".mht/plans")), 0o700);
    assert_eq!(mode(&r.join(".mht/plans/staging.tfplan")), 0o600);
}

/// Terraform's state lock held on `name`, if one is.
fn held(endpoint: &str, name: &str) -> Option<xtask::backend::state_lock::Lock> {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    xtask::backend::state_lock::held(&aws, &e).unwrap()
}

/// A plan lock of this user's, as Terraform leaves it when its lock request is answered twice,
/// written into `name`'s lock table while the next command runs `terraform init` (after its
/// check for held locks, before Terraform plans). Dated 20 s ahead, so that it counts as taken
/// as the plan started, as Terraform's own would be.
fn own_lock_during_the_next_init(
    root: &Path,
    endpoint: &str,
    name: &str,
) -> std::thread::JoinHandle<()> {
    let data = root
        .join("infra/environments")
        .join(name)
        .join(".terraform");
    // Left by an earlier command, or not there yet.
    let _ = std::fs::remove_dir_all(&data);
    let (endpoint, name) = (endpoint.to_string(), name.to_string());
    std::thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(120);
        while !data.exists() {
            assert!(Instant::now() < deadline, "no `terraform init` began");
            std::thread::sleep(Duration::from_millis(20));
        }
        put_lock(&endpoint, &name, |e| {
            let mut info = lock_info(e, "own-lock-1");
            info["Operation"] = "OperationTypePlan".into();
            info["Who"] = xtask::backend::release_lock::who().into();
            info["Created"] = xtask::git::utc_at(xtask::git::unix_now() + 20).into();
            info
        })
        .expect("Terraform took the lock before it was planted");
    })
}

/// `deploy staging --yes` on the emulator at `endpoint`, in its own process group (as a terminal
/// runs a command), with no stdin and its output to `output`.
fn deploy_in_own_group(root: &Path, endpoint: &str, output: fn() -> Stdio) -> Child {
    deploy_with(root, endpoint, &["--yes"], Stdio::null(), output)
}

/// `deploy staging <flags>` in its own process group, its stdin `stdin`.
fn deploy_with(
    root: &Path,
    endpoint: &str,
    flags: &[&str],
    stdin: Stdio,
    output: fn() -> Stdio,
) -> Child {
    use std::os::unix::process::CommandExt;
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["--local", "deploy", "staging"])
        .args(flags)
        .env("MHT_ROOT", root)
        .env("MHT_LOCAL_ENDPOINT", endpoint)
        .env_remove("MHT_ENV")
        .env_remove("CI")
        .process_group(0)
        .stdin(stdin)
        .stdout(output())
        .stderr(output())
        .spawn()
        .unwrap()
}

/// `deploy staging --yes` in its own process group; `presses` SIGINTs to that group (as a
/// terminal's Ctrl-C), half a second apart, once `ready` holds for the output so far plus `delay`.
fn interrupt_deploy(
    root: &Path,
    endpoint: &str,
    ready: &str,
    delay: Duration,
    presses: usize,
) -> Output {
    let child = deploy_in_own_group(root, endpoint, Stdio::piped);
    press_ctrl_c(child, ready, delay, presses)
}

/// `deploy staging` at a terminal, Ctrl-C pressed while it asks for the confirmation.
fn interrupt_prompt(root: &Path, endpoint: &str) -> Output {
    let pty = crate::support::tty::Pty::open();
    let child = deploy_with(root, endpoint, &[], pty.stdin(), Stdio::piped);
    let out = press_ctrl_c(child, "terraform log:", Duration::from_secs(2), 1);
    drop(pty);
    out
}

/// `presses` SIGINTs to `child`'s process group, half a second apart, once `ready` is in its
/// output plus `delay`; its output.
fn press_ctrl_c(mut child: Child, ready: &str, delay: Duration, presses: usize) -> Output {
    let stdout = Arc::new(Mutex::new(String::new()));
    let reader = {
        let (pipe, stdout) = (child.stdout.take().unwrap(), stdout.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = stdout.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !stdout.lock().unwrap().contains(ready) {
        assert!(
            Instant::now() < deadline,
            "never saw `{ready}`:\n{}",
            stdout.lock().unwrap()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "deploy ended before `{ready}`"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(delay);
    for press in 0..presses {
        if press > 0 {
            std::thread::sleep(Duration::from_millis(500));
        }
        // SAFETY: kill(2) on the process group this test started.
        unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGINT) };
    }
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let status = child.wait().unwrap();
    reader.join().unwrap();
    let stdout = stdout.lock().unwrap().clone();
    Output {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

/// `out` is a deploy interrupted `when`: exit 130, no lock left, recorded as interrupted.
fn interrupted<'a>(root: &Path, endpoint: &str, out: &'a Output, when: &str) -> &'a Output {
    assert_eq!(out.code, 130, "{when}:\n{}", out.all());
    assert!(out.all().contains("interrupted"), "{when}:\n{}", out.all());
    assert!(
        !out.all().contains("is still locked"),
        "{when}: a lock was left behind:\n{}",
        out.all()
    );
    assert_eq!(
        release_lock(endpoint, "staging"),
        None,
        "{when}: the release lock was left behind:\n{}",
        out.all()
    );
    let history = run(root, endpoint, &[], "", &["history", "staging"]);
    let newest = history
        .expect(0)
        .stdout
        .lines()
        .find(|l| l.contains("deploy"))
        .unwrap_or_default()
        .to_string();
    assert!(newest.contains("interrupted"), "{when}: {}", history.stdout);
    out
}

/// Delete staging's job queue on the emulator at `endpoint`, as a hand in the console would.
fn delete_queue(endpoint: &str) {
    let e = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let sqs = aws.sqs();
    aws.block_on(async {
        let url = sqs
            .get_queue_url()
            .queue_name(&e.names.queue)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        sqs.delete_queue().queue_url(url).send().await.unwrap();
    });
}

/// Start `deploy staging --yes`, wait until its Terraform holds the state lock, then SIGKILL the
/// tool and Terraform (its own process group) as a machine that dies would; the ids of the state
/// lock and of the release lock it leaves.
fn kill_deploy_holding_lock(root: &Path, endpoint: &str) -> (String, String) {
    let mut child = deploy_in_own_group(root, endpoint, Stdio::null);
    let e = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let lock = loop {
        if let Some(lock) = xtask::backend::state_lock::held(&aws, &e).unwrap() {
            break lock;
        }
        assert!(Instant::now() < deadline, "the deploy never took the lock");
        assert!(
            child.try_wait().unwrap().is_none(),
            "deploy ended before locking"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let pid = child.id();
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    for terraform in children.split_whitespace() {
        let terraform: libc::pid_t = terraform.parse().unwrap();
        // SAFETY: kill(2) on the process group of a child of the deploy this test started.
        unsafe { libc::kill(-terraform, libc::SIGKILL) };
    }
    // SAFETY: kill(2) on the process group this test started.
    unsafe { libc::kill(-(pid as libc::pid_t), libc::SIGKILL) };
    child.wait().unwrap();
    assert!(
        xtask::backend::state_lock::held(&aws, &e)
            .unwrap()
            .is_some(),
        "the killed deploy left no lock"
    );
    let release =
        release_lock(endpoint, "staging").expect("the killed deploy left no release lock");
    (lock.id, release)
}

#[test]
fn ctrl_c_at_any_moment_of_a_deploy_is_recorded_and_safe() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let root = checkout();
    let r = root.path();
    run(r, &ep, &[], "", &["setup-backend", "staging"]).expect(0);

    // During the plan: nothing applied.
    let out = interrupt_deploy(r, &ep, "deploy `staging` on", Duration::from_secs(3), 1);
    interrupted(r, &ep, &out, "during the plan");
    // One Ctrl-C in the apply: Terraform finishes what it started, the run stops after it, and
    // the state is whole: nothing left to plan.
    let out = interrupt_deploy(r, &ep, "terraform log:", Duration::from_secs(3), 1);
    interrupted(r, &ep, &out, "once in the apply")
        .contains("Terraform finishes what this apply started")
        .contains("interrupted after the apply: the changes are applied; the release and the post-deploy checks did not run");
    run(r, &ep, &[], "", &["plan", "staging"]).expect(0);
    // Two in the apply: Terraform stops gracefully. The queue is deleted behind Terraform's back
    // so that there is an apply (creating a queue again is idempotent, so whatever the cancelled
    // request left, the next deploy converges).
    delete_queue(&ep);
    let out = interrupt_deploy(r, &ep, "terraform log:", Duration::from_secs(3), 2);
    interrupted(r, &ep, &out, "twice in the apply")
        .contains("second interrupt: asking Terraform to stop");
    // A deploy killed outright (SIGKILL, Terraform with it) leaves its lock: the next plan names
    // it with its id, `unlock` releases it.
    let (id, release) = kill_deploy_holding_lock(r, &ep);
    run(r, &ep, &[], "", &["plan", "staging"])
        .expect(1)
        .contains(&format!("lock id {id}"))
        .contains(&format!(
            "release it with `cargo xtask unlock staging {id}`"
        ));
    // Its release lock too: the next deploy is refused at once, naming both.
    run(r, &ep, &[], "", &["deploy", "staging", "--yes"])
        .expect(1)
        .contains("its release lock is held by ")
        .contains(" for deploy since ")
        .contains(&format!(
            "release it with `cargo xtask unlock staging {release}`"
        ))
        .contains(&format!(
            "release that with `cargo xtask unlock staging {id}`"
        ));
    run(r, &ep, &[], "", &["unlock", "staging", &id])
        .expect(0)
        .contains("released: the state of `staging` is unlocked");
    run(r, &ep, &[], "", &["unlock", "staging", &release])
        .expect(0)
        .contains("released: the releases of `staging` are unlocked");
    // The next deploy converges, with its live checks, and leaves no lock.
    run(r, &ep, &[], "", &["deploy", "staging", "--yes"])
        .expect(0)
        .contains("result: success");
    assert_eq!(release_lock(&ep, "staging"), None);
    run(r, &ep, &[], "", &["plan", "staging"]).expect(0);
}
