//! setup-backend, test-s3, test-sqs and the account guard against a real moto server the
//! tests start; fixtures are built on the emulator from the model with the tool's own code.

mod support;

use support::fixtures::{build_buckets, build_queues, env, put_alarm, suspend_versioning};

use aws_sdk_sqs::types::QueueAttributeName;
use infra::expect;
use std::time::{Duration, Instant};
use support::{xtask_local, Moto};
use xtask::aws::Aws;

fn connect(moto: &Moto, name: &str) -> Aws {
    Aws::with_endpoint(&env(name), Some(moto.endpoint())).unwrap()
}

fn json(out: &support::Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr))
}

/// Names of every check of a test-* JSON report.
fn check_names(report: &serde_json::Value) -> Vec<&str> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["check"].as_str().unwrap())
        .collect()
}

/// Names of the failed checks of a test-* JSON report.
fn failed(report: &serde_json::Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| {
            format!(
                "{} {}",
                c["resource"].as_str().unwrap(),
                c["check"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn setup_backend_creates_reports_drift_and_repairs() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let out = xtask_local(&ep, &["setup-backend", "staging"]);
    out.expect(0)
        .contains("created")
        .contains("s3:PutBucketVersioning");

    // Read every setting back from the emulator.
    let aws = connect(&moto, "staging");
    let s3c = aws.s3();
    let bucket = "mht-terraform-state-staging";
    aws.block_on(async {
        let v = s3c.get_bucket_versioning().bucket(bucket).send().await;
        // moto's answer is not parseable by the SDK; the tool's own inspection reads it.
        let _ = v;
        let spec = expect::buckets(&env("staging")).remove(0);
        let seen = xtask::s3::inspect(&aws, &s3c, &spec).await.unwrap();
        for o in &seen {
            assert!(
                matches!(o.state, xtask::s3::State::Ok | xtask::s3::State::Skipped),
                "{} {}: expected {} found {}",
                o.resource,
                o.check,
                o.expected,
                o.actual
            );
        }
        let lifecycle = s3c
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let days = lifecycle.rules()[0]
            .noncurrent_version_expiration()
            .unwrap()
            .noncurrent_days();
        assert_eq!(days, Some(90));
        let pab = s3c
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let c = pab.public_access_block_configuration().unwrap();
        assert_eq!(
            (
                c.block_public_acls(),
                c.ignore_public_acls(),
                c.block_public_policy(),
                c.restrict_public_buckets()
            ),
            (Some(true), Some(true), Some(true), Some(true))
        );
        let db = aws.dynamodb();
        let t = db
            .describe_table()
            .table_name("mht-terraform-locks-staging")
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        assert_eq!(t.key_schema()[0].attribute_name(), "LockID");
        assert_eq!(
            t.billing_mode_summary()
                .and_then(|b| b.billing_mode())
                .map(|b| b.as_str()),
            Some("PAY_PER_REQUEST")
        );
        assert_eq!(t.deletion_protection_enabled(), Some(false));
        let b = db
            .describe_continuous_backups()
            .table_name("mht-terraform-locks-staging")
            .send()
            .await
            .unwrap();
        let pitr = b
            .continuous_backups_description()
            .unwrap()
            .point_in_time_recovery_description()
            .unwrap();
        assert_eq!(
            pitr.point_in_time_recovery_status().map(|s| s.as_str()),
            Some("ENABLED")
        );
    });

    // Idempotent.
    xtask_local(&ep, &["setup-backend", "staging"])
        .expect(0)
        .contains("no changes");
    xtask_local(&ep, &["setup-backend", "staging", "--check"])
        .expect(0)
        .contains("matches the spec");

    // Versioning switched off out of band: reported, not overwritten, repaired with --fix.
    suspend_versioning(&aws, bucket);
    let check = xtask_local(&ep, &["setup-backend", "staging", "--check"]);
    check
        .expect(1)
        .contains("versioning")
        .contains("DRIFT")
        .contains("Suspended");
    xtask_local(&ep, &["setup-backend", "staging"])
        .expect(1)
        .contains("DRIFT (not changed; --fix repairs it)");
    xtask_local(&ep, &["setup-backend", "staging", "--fix"])
        .expect(0)
        .contains("repaired");
    xtask_local(&ep, &["setup-backend", "staging", "--check"]).expect(0);
}

/// A repair merges the model's statements into the bucket's policy by `Sid`: a statement someone
/// else added survives, and the model's own statement replaces its drifted copy.
#[test]
fn a_policy_repair_keeps_foreign_statements() {
    let moto = Moto::start();
    let aws = connect(&moto, "staging");
    let s3c = aws.s3();
    let spec = expect::buckets(&env("staging")).remove(2);
    let bucket = spec.name.clone();
    aws.block_on(xtask::s3::converge(&aws, &s3c, &spec, true))
        .unwrap();
    let foreign = serde_json::json!({
        "Sid": "AuditorRead",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": "s3:GetObject",
        "Resource": format!("arn:aws:s3:::{bucket}/audit/*"),
    });
    let mut policy = expect::bucket_policy(&spec.on_emulator());
    let ours = policy["Statement"].as_array_mut().unwrap();
    // Our log delivery grant drifted to another prefix; the auditor's statement is not ours.
    ours[0]["Resource"] = serde_json::json!(format!("arn:aws:s3:::{bucket}/elsewhere/*"));
    ours.insert(0, foreign.clone());
    aws.block_on(
        s3c.put_bucket_policy()
            .bucket(&bucket)
            .policy(policy.to_string())
            .send(),
    )
    .unwrap();
    let (before, calls) = aws
        .block_on(xtask::s3::converge(&aws, &s3c, &spec, true))
        .unwrap();
    assert!(
        before
            .iter()
            .any(|o| o.check == "log delivery policy" && o.state == xtask::s3::State::Different),
        "the drifted grant was not seen: {before:?}"
    );
    assert!(
        calls.iter().any(|c| c.starts_with("s3:PutBucketPolicy")),
        "{calls:?}"
    );
    let live: serde_json::Value = serde_json::from_str(
        aws.block_on(s3c.get_bucket_policy().bucket(&bucket).send())
            .unwrap()
            .policy()
            .unwrap(),
    )
    .unwrap();
    let statements = live["Statement"].as_array().unwrap();
    assert!(
        statements.contains(&foreign),
        "foreign statement lost: {live}"
    );
    assert!(expect::allows_log_delivery(
        &live,
        &bucket,
        "mht-api-staging-data"
    ));
    assert_eq!(
        statements.len(),
        expect::bucket_policy(&spec.on_emulator())["Statement"]
            .as_array()
            .unwrap()
            .len()
            + 1,
        "a statement is duplicated: {live}"
    );
}

#[test]
fn setup_backend_dry_run_creates_nothing_and_production_is_protected() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    xtask_local(&ep, &["history", "production"])
        .expect(1)
        .contains("has no state bucket `mht-terraform-state-production` yet, so no records; run `cargo xtask setup-backend production`");
    xtask_local(&ep, &["setup-backend", "production", "--dry-run"])
        .expect(0)
        .contains("would call")
        .contains("dynamodb:CreateTable `mht-terraform-locks-production`");
    let aws = connect(&moto, "production");
    let exists = aws
        .block_on(xtask::s3::exists(
            &aws,
            &aws.s3(),
            "mht-terraform-state-production",
        ))
        .unwrap();
    assert!(!exists, "dry run created the bucket");
    xtask_local(&ep, &["setup-backend", "production", "--check"])
        .expect(1)
        .contains("MISSING");
    xtask_local(&ep, &["setup-backend", "production"]).expect(0);
    let t = aws
        .block_on(
            aws.dynamodb()
                .describe_table()
                .table_name("mht-terraform-locks-production")
                .send(),
        )
        .unwrap()
        .table
        .unwrap();
    assert_eq!(t.deletion_protection_enabled(), Some(true));
}

#[test]
fn two_concurrent_setup_backend_runs_both_succeed() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let ep = ep.clone();
            std::thread::spawn(move || xtask_local(&ep, &["setup-backend", "staging"]))
        })
        .collect();
    for r in runs {
        r.join().unwrap().expect(0);
    }
    let aws = connect(&moto, "staging");
    let buckets = aws.block_on(aws.s3().list_buckets().send()).unwrap();
    assert_eq!(buckets.buckets().len(), 1);
    let tables = aws.block_on(aws.dynamodb().list_tables().send()).unwrap();
    assert_eq!(tables.table_names(), ["mht-terraform-locks-staging"]);
    xtask_local(&ep, &["setup-backend", "staging", "--check"]).expect(0);
}

#[test]
fn wrong_account_is_refused_before_any_change() {
    let moto = Moto::start_with(&[("MOTO_ACCOUNT_ID", "111122223333")]);
    let out = xtask_local(&moto.endpoint(), &["setup-backend", "staging"]);
    out.expect(1)
        .contains("refusing to act on `staging`")
        .contains("account `111122223333`")
        .contains("declares account `123456789012`");
    let aws = connect(&moto, "staging");
    let buckets = aws.block_on(aws.s3().list_buckets().send()).unwrap();
    assert!(buckets.buckets().is_empty(), "a bucket was created");
    xtask_local(&moto.endpoint(), &["test-s3", "staging"])
        .expect(1)
        .contains("refusing");
}

fn object_versions(aws: &Aws, bucket: &str) -> usize {
    let r = aws
        .block_on(aws.s3().list_object_versions().bucket(bucket).send())
        .unwrap();
    r.versions().len() + r.delete_markers().len()
}

#[test]
fn test_s3_passes_on_the_model_and_names_each_wrong_setting() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let aws = connect(&moto, "staging");
    build_buckets(&aws, &env("staging"));
    let data = "mht-api-staging-data";
    let s3c = aws.s3();
    aws.block_on(
        s3c.put_object()
            .bucket(data)
            .key("keep/me.txt")
            .body(b"user data".to_vec().into())
            .send(),
    )
    .unwrap();
    let before = object_versions(&aws, data);

    let out = xtask_local(&ep, &["test-s3", "staging", "--format", "json"]);
    out.expect(0);
    let report = json(&out);
    assert_eq!(failed(&report), Vec::<String>::new());
    let checks = check_names(&report);
    for c in [
        "versioning",
        "encryption",
        "public access block",
        "TLS-only policy",
        "lifecycle",
        "access logging",
        "tags",
        "round trip: get (body compared)",
        "round trip: cleanup (every version and delete marker)",
    ] {
        assert!(checks.contains(&c), "no `{c}` check in {checks:?}");
    }
    assert_eq!(
        object_versions(&aws, data),
        before,
        "test-s3 left objects behind or removed some"
    );
    xtask_local(&ep, &["test-s3", "staging"])
        .expect(0)
        .contains("test-s3 `staging`:");

    // Versioning off.
    suspend_versioning(&aws, data);
    let out = xtask_local(&ep, &["test-s3", "staging", "--format", "json"]);
    out.expect(1);
    assert_eq!(failed(&json(&out)), [format!("{data} versioning")]);
    build_buckets(&aws, &env("staging"));

    // Wrong lifecycle: production's transitions on staging's bucket.
    let mut wrong = expect::buckets(&env("staging")).remove(1);
    wrong.lifecycle = expect::buckets(&env("production")).remove(1).lifecycle;
    aws.block_on(xtask::s3::BucketSetting::Lifecycle.fix(&aws, &s3c, &wrong))
        .unwrap();
    let out = xtask_local(&ep, &["test-s3", "staging", "--format", "json"]);
    out.expect(1);
    let report = json(&out);
    assert_eq!(failed(&report), [format!("{data} lifecycle")]);
    let row = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "lifecycle" && c["resource"] == data)
        .unwrap();
    assert_eq!(
        row["expected"],
        "30d STANDARD_IA, 60d GLACIER, 90d DEEP_ARCHIVE, noncurrent expire 30d, abort multipart 7d"
    );
    assert_eq!(
        row["found"],
        "30d STANDARD_IA, 90d GLACIER, 365d DEEP_ARCHIVE, noncurrent expire 90d, abort multipart 7d"
    );

    // A missing bucket is a failed check, not an error.
    let out = xtask_local(&ep, &["test-s3", "production", "--format", "json"]);
    out.expect(1);
    assert!(failed(&json(&out)).contains(&"mht-api-production-data exists".to_string()));
}

#[test]
fn test_sqs_passes_on_the_model_and_names_each_wrong_setting() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let aws = connect(&moto, "staging");
    let (queue, _dlq) = build_queues(&aws, &env("staging"));

    let out = xtask_local(&ep, &["test-sqs", "staging", "--deep", "--format", "json"]);
    out.expect(0);
    let report = json(&out);
    assert_eq!(failed(&report), Vec::<String>::new());
    let checks = check_names(&report);
    for c in [
        "encryption",
        "redrive target",
        "maxReceiveCount",
        "keeps messages longer than the source",
        "alarm actions",
        "round trip: receive (body and attribute)",
        "deep: unacknowledged message moves to the DLQ",
    ] {
        assert!(checks.contains(&c), "no `{c}` check in {checks:?}");
    }
    let sqs = aws.sqs();
    let set = |attr: QueueAttributeName, value: &str| {
        aws.block_on(
            sqs.set_queue_attributes()
                .queue_url(&queue)
                .attributes(attr, value)
                .send(),
        )
        .unwrap();
    };

    // Unencrypted queue.
    set(QueueAttributeName::SqsManagedSseEnabled, "false");
    let out = xtask_local(&ep, &["test-sqs", "staging", "--format", "json"]);
    out.expect(1);
    assert_eq!(failed(&json(&out)), ["mht-api-staging-jobs encryption"]);
    set(QueueAttributeName::SqsManagedSseEnabled, "true");

    // Missing redrive.
    set(QueueAttributeName::RedrivePolicy, "");
    let out = xtask_local(&ep, &["test-sqs", "staging", "--format", "json"]);
    out.expect(1);
    assert_eq!(
        failed(&json(&out)),
        [
            "mht-api-staging-jobs redrive target",
            "mht-api-staging-jobs maxReceiveCount"
        ]
    );

    // An alarm on the other environment's topic.
    let spec = expect::queues(&env("staging"));
    let other = env("production").alerts_topic_arn();
    let a = &spec.alarms[0];
    aws.block_on(put_alarm(&aws, a, &[other]));
    let out = xtask_local(&ep, &["test-sqs", "staging", "--format", "json"]);
    out.expect(1);
    assert!(failed(&json(&out)).contains(&format!("{} alarm actions", a.name)));
}

#[test]
fn an_emulator_that_stops_or_hangs_fails_fast_with_the_endpoint() {
    // Stopped mid-run: the deep SQS check long-polls for seconds; kill moto during it.
    let mut moto = Moto::start();
    let ep = moto.endpoint();
    let aws = connect(&moto, "staging");
    build_queues(&aws, &env("staging"));
    let root = support::TempDir::checkout("midrun");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["--local", "test-sqs", "staging", "--deep"])
        .env("MHT_ROOT", root.path())
        .env("MHT_LOCAL_ENDPOINT", &ep)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    moto.stop();
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    assert!(text.contains(&ep), "endpoint not named:\n{text}");
    assert!(!text.contains("panicked"), "{text}");

    // Nothing listening at all.
    let start = Instant::now();
    xtask_local(&ep, &["setup-backend", "staging"])
        .expect(1)
        .contains(&format!("cannot reach the local emulator at {ep}"));
    assert!(start.elapsed() < Duration::from_secs(10));

    // A server that accepts connections and never answers.
    let hung = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hung_ep = format!("http://{}", hung.local_addr().unwrap());
    let start = Instant::now();
    xtask_local(&hung_ep, &["test-s3", "staging"])
        .expect(1)
        .contains(&hung_ep);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?}",
        start.elapsed()
    );
    drop(hung);
}

#[test]
fn credentials_the_emulator_rejects_give_a_clear_error() {
    // With authentication on, moto rejects the dummy credentials like AWS rejects bad ones.
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let out = xtask_local(&moto.endpoint(), &["setup-backend", "staging"]);
    out.expect(1).contains("sts:GetCallerIdentity: ");
    assert!(!out.stderr.contains("unknown error"), "{}", out.stderr);
}

/// `xtask <args>` against AWS (no `--local`): dummy credentials from the environment, no
/// profile files, no endpoint or proxy unless `vars` set one.
fn xtask_aws(vars: &[(&str, &str)], args: &[&str]) -> support::Output {
    let root = support::TempDir::checkout("aws");
    let none = root.path().join("no-such-file");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .env("MHT_ROOT", root.path())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_CONFIG_FILE", &none)
        .env("AWS_SHARED_CREDENTIALS_FILE", &none);
    for var in ["MHT_ENV", "MHT_LOCAL", "AWS_PROFILE", "AWS_ENDPOINT_URL"] {
        cmd.env_remove(var);
    }
    for var in ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "NO_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_lowercase());
    }
    let out = cmd.envs(vars.iter().copied()).output().unwrap();
    support::Output::from(out)
}

#[test]
fn an_empty_aws_endpoint_url_is_refused_not_a_panic() {
    xtask_aws(
        &[("AWS_ENDPOINT_URL", "")],
        &["setup-backend", "staging", "--check"],
    )
    .expect(1)
    .contains("AWS_ENDPOINT_URL is set but empty");
}

#[test]
fn an_emulator_reached_through_aws_endpoint_url_names_the_api_it_lacks() {
    let moto = Moto::start();
    let out = xtask_aws(
        &[("AWS_ENDPOINT_URL", &moto.endpoint())],
        &["setup-backend", "staging"],
    );
    out.expect(1)
        .contains("does not implement s3:ListBucketIntelligentTieringConfigurations")
        .contains("`<ListBucketResult>`, another API's answer")
        .contains("use --local")
        .contains("MHT_LOCAL_ENDPOINT");
    assert!(!out.all().contains("<?xml"), "{}", out.all());
}

#[test]
fn aws_calls_go_through_the_proxy_the_environment_names() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let proxy = support::proxy::Proxy::start();
    let root = support::TempDir::checkout("proxy");
    let local = |vars: &[(&str, &str)], args: &[&str]| {
        let mut all = vec![("MHT_LOCAL_ENDPOINT", ep.as_str()), ("HTTPS_PROXY", "")];
        all.extend_from_slice(vars);
        support::xtask(Some(root.path()), &all, &[&["--local"], args].concat())
    };

    // The emulator over plain HTTP: HTTP_PROXY carries every call, and they work through it.
    local(
        &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", "")],
        &["setup-backend", "staging"],
    )
    .expect(0);
    let through = proxy.requests();
    assert!(
        through.len() >= 5 && through.iter().all(|r| r.contains(&ep)),
        "{through:#?}"
    );

    // NO_PROXY names the emulator's host: not one call goes through the proxy.
    local(
        &[("HTTP_PROXY", &proxy.url), ("NO_PROXY", "127.0.0.1")],
        &["setup-backend", "staging", "--check"],
    )
    .expect(0);
    assert_eq!(
        proxy.requests().len(),
        through.len(),
        "{:#?}",
        proxy.requests()
    );

    // AWS over HTTPS: HTTPS_PROXY gets a CONNECT for the regional endpoint (which this proxy
    // refuses: nothing leaves the machine), and the error names the endpoint.
    let out = xtask_aws(
        &[("HTTPS_PROXY", &proxy.url)],
        &["setup-backend", "staging", "--check"],
    );
    out.expect(1).contains("sts:GetCallerIdentity");
    let connects: Vec<String> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.starts_with("CONNECT "))
        .collect();
    let region = env("staging").region;
    assert!(
        connects
            .iter()
            .any(|r| r.starts_with(&format!("CONNECT sts.{region}.amazonaws.com:443 "))),
        "{connects:#?}"
    );
}

/// A shipped environment in account `account`, reached through `role` when one is given.
fn in_account(
    b: infra::EnvironmentBuilder,
    account: &str,
    role: Option<&str>,
) -> infra::Environment {
    let mut b = b.account(account);
    if let Some(role) = role {
        b = b.assume_role(role);
    }
    b.build().unwrap()
}

/// Two environments in two accounts, each reached through its role (by name, by ARN): the
/// calls land in the role's account (moto maps assumed-role credentials to it), the guard
/// passes, and the base credentials' own account sees nothing of theirs.
#[test]
fn each_account_is_reached_through_its_role() {
    let moto = Moto::start();
    use infra::environments::{production, staging};
    let envs = [
        in_account(staging(), "111111111111", Some("mht-deployer")),
        in_account(
            production(),
            "222222222222",
            Some("arn:aws:iam::222222222222:role/ci/mht-deployer"),
        ),
    ];
    for env in &envs {
        let aws = Aws::with_endpoint(env, Some(moto.endpoint())).unwrap();
        let caller = aws.guard_account(env).unwrap();
        let assumed = format!("arn:aws:sts::{}:assumed-role/mht-deployer/", env.account_id);
        assert!(caller.starts_with(&assumed), "{caller}");
        let state = expect::buckets(env).remove(0);
        assert_eq!(state.name, env.names.state_bucket);
        aws.block_on(xtask::s3::create(&aws, &aws.s3(), &state))
            .unwrap();
    }
    let listed = |env: &infra::Environment| -> Vec<String> {
        let aws = Aws::with_endpoint(env, Some(moto.endpoint())).unwrap();
        let out = aws.block_on(aws.s3().list_buckets().send()).unwrap();
        out.buckets()
            .iter()
            .filter_map(|b| b.name().map(str::to_string))
            .collect()
    };
    for env in &envs {
        assert_eq!(
            listed(env),
            [env.names.state_bucket.as_str()],
            "{}",
            env.name
        );
    }
    assert!(
        listed(&env("staging")).is_empty(),
        "a bucket landed in the base account"
    );
}

/// Credentials of one account (moto's default, 123456789012) against an environment that
/// declares another and no role: refused, naming both accounts and the way out.
#[test]
fn the_guard_refuses_another_accounts_credentials() {
    let moto = Moto::start();
    let env = in_account(infra::environments::staging(), "222222222222", None);
    let aws = Aws::with_endpoint(&env, Some(moto.endpoint())).unwrap();
    let err = format!("{:#}", aws.guard_account(&env).unwrap_err());
    for part in [
        "refusing to act on `staging`",
        "the credentials are for account `123456789012`",
        "declares account `222222222222`",
        "declare a role of account `222222222222` to assume (`.assume_role(\"<role name>\")`",
    ] {
        assert!(err.contains(part), "no `{part}` in: {err}");
    }
}

/// STS refusing the role (moto with authentication on rejects the dummy base credentials):
/// the error names the role, who declares it, and the trust policy.
#[test]
fn a_role_sts_refuses_gives_a_clear_error() {
    let moto = Moto::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")]);
    let env = in_account(
        infra::environments::staging(),
        "111111111111",
        Some("mht-deployer"),
    );
    let aws = Aws::with_endpoint(&env, Some(moto.endpoint())).unwrap();
    let err = format!("{:#}", aws.guard_account(&env).unwrap_err());
    for part in [
        "cannot assume role `arn:aws:iam::111111111111:role/mht-deployer` (declared by `staging`)",
        "STS refused",
        "trust policy must allow the caller sts:AssumeRole",
    ] {
        assert!(err.contains(part), "no `{part}` in: {err}");
    }
}

#[test]
fn s3_native_locking_needs_no_lock_table_and_its_lock_file_is_read() {
    use infra::model::Locking;
    use xtask::backend::{self, state_lock, Mode};
    let moto = Moto::start();
    let with = |locking| {
        infra::environments::staging()
            .backend(|b| b.locking = locking)
            .build()
            .unwrap()
    };
    let (native, both) = (with(Locking::S3Native), with(Locking::Both));
    let aws = Aws::with_endpoint(&native, Some(moto.endpoint())).unwrap();
    let done = backend::converge(&aws, &native, Mode::Apply { repair: false }).unwrap();
    assert!(
        done.calls.iter().all(|c| !c.contains("dynamodb")),
        "{:?}",
        done.calls
    );
    let tables = aws.block_on(aws.dynamodb().list_tables().send()).unwrap();
    assert!(tables.table_names().is_empty(), "{tables:?}");
    assert_eq!(
        backend::problems(&aws, &native).unwrap(),
        Vec::<String>::new()
    );
    // Moving to both locks: the table is missing, and the backend check says so.
    let missing = backend::problems(&aws, &both).unwrap();
    assert!(
        missing
            .iter()
            .any(|p| p.contains("mht-terraform-locks-staging")),
        "{missing:?}"
    );

    assert_eq!(state_lock::held(&aws, &native).unwrap(), None);
    let info = r#"{"ID":"f00d-1","Operation":"OperationTypePlan","Who":"ci@runner","Created":"2026-11-29T10:00:00Z"}"#;
    aws.block_on(
        aws.s3()
            .put_object()
            .bucket(&native.names.state_bucket)
            .key(state_lock::lockfile_key(&native))
            .body(info.as_bytes().to_vec().into())
            .send(),
    )
    .unwrap();
    let lock = state_lock::held(&aws, &native).unwrap().unwrap();
    assert_eq!(
        (lock.id.as_str(), lock.operation.as_str()),
        ("f00d-1", "plan")
    );
}
