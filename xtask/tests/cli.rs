//! The CLI as a user meets it: the real binary, a throwaway project root, exit codes and text.

mod support;

use support::{project_copy, xtask, TempDir};

/// Every environment name the model defines, as the tool lists them.
fn known() -> String {
    infra::environments::all()
        .iter()
        .map(|b| b.env_name().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name no environment has (not derived from any example in the docs).
const UNKNOWN: &str = "no-such-env";

#[test]
fn validate_passes_on_the_shipped_environments() {
    let root = project_copy();
    let out = xtask(Some(root.path()), &[], &["validate"]);
    out.expect(0)
        .contains(&format!("all checks passed for {}", known()));
    let rules = infra::environments::all()
        .iter()
        .map(|b| format!("rules: {}", b.env_name()))
        .collect::<Vec<_>>();
    let checks = [
        "isolation",
        "promotion",
        "parity",
        "budget",
        "rendered files",
    ];
    for check in rules.iter().map(String::as_str).chain(checks) {
        let line = out
            .stdout
            .lines()
            .find(|l| l.starts_with(check))
            .unwrap_or_default();
        assert!(line.contains(" ok "), "`{check}` not ok:\n{}", out.stdout);
    }
}

#[test]
fn validate_json_lists_every_check() {
    let root = project_copy();
    let out = xtask(Some(root.path()), &[], &["validate", "--format", "json"]);
    out.expect(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["ok"], true);
    // One rules check per environment, then isolation, promotion, parity, budget, rendered
    // files.
    let envs = infra::environments::all().len();
    assert_eq!(v["checks"].as_array().unwrap().len(), envs + 5);
}

#[test]
fn validate_fails_on_a_stale_generated_file() {
    let root = project_copy();
    let file = root.path().join("infra/environments/staging/main.tf.json");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("t2.micro", "t2.nano")).unwrap();
    let out = xtask(Some(root.path()), &[], &["validate", "--format", "json"]);
    out.expect(1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let stale = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "rendered files")
        .unwrap();
    assert_eq!(stale["name"], "rendered files");
    assert_eq!(
        stale["violations"][0]["path"],
        "infra/environments/staging/main.tf.json"
    );
    assert_eq!(
        stale["violations"][0]["fix"],
        "run `cargo xtask render` and commit the result"
    );
}

#[test]
fn render_writes_then_check_passes_and_leftovers_go() {
    let root = TempDir::checkout("render");
    xtask(Some(root.path()), &[], &["render", "--check"])
        .expect(1)
        .contains("stale  infra/environments/staging/main.tf.json  (missing)");
    xtask(Some(root.path()), &[], &["render"])
        .expect(0)
        .contains("wrote      infra/environments/production/main.tf.json");
    xtask(Some(root.path()), &[], &["render", "--check"])
        .expect(0)
        .contains("generated files are fresh");
    xtask(Some(root.path()), &[], &["render"])
        .expect(0)
        .contains("unchanged  infra/environments/staging/README.md");
    // The committed files equal what a fresh render writes.
    for f in ["staging/main.tf.json", "production/README.md"] {
        let fresh =
            std::fs::read_to_string(root.path().join("infra/environments").join(f)).unwrap();
        let committed =
            std::fs::read_to_string(support::repo().join("infra/environments").join(f)).unwrap();
        assert_eq!(fresh, committed, "{f}");
    }
    // A removed environment's generated files are stale, then removed; hand-written files stay.
    let old = root.path().join("infra/environments").join(UNKNOWN);
    std::fs::create_dir_all(&old).unwrap();
    let generated =
        std::fs::read_to_string(root.path().join("infra/environments/staging/main.tf.json"))
            .unwrap();
    std::fs::write(old.join("main.tf.json"), generated).unwrap();
    std::fs::write(old.join("notes.md"), "mine").unwrap();
    xtask(Some(root.path()), &[], &["render", "--check"])
        .expect(1)
        .contains(&format!(
            "infra/environments/{UNKNOWN}/main.tf.json  (belongs to no environment)"
        ));
    xtask(Some(root.path()), &[], &["render"])
        .expect(0)
        .contains(&format!(
            "removed    infra/environments/{UNKNOWN}/main.tf.json"
        ));
    assert!(!old.join("main.tf.json").exists());
    assert_eq!(
        std::fs::read_to_string(old.join("notes.md")).unwrap(),
        "mine"
    );
}

#[test]
fn show_prints_settings_of_one_environment() {
    let out = xtask(None, &[], &["show", "production"]);
    out.expect(0)
        .contains("environment `production`")
        .contains("compute.instance_type")
        .contains("t3.medium");
    let json = xtask(None, &[], &["show", "staging", "--format", "json"]);
    json.expect(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let settings = v["settings"].as_array().unwrap();
    let get = |path: &str| {
        settings
            .iter()
            .find(|s| s["path"] == path)
            .map(|s| s["value"].clone())
    };
    assert_eq!(get("compute.instance_count"), Some("2".into()));
    assert_eq!(get("network.vpc_cidr"), Some("10.1.0.0/16".into()));
}

#[test]
fn unknown_environment_lists_the_known_ones() {
    for args in [
        &["show", "prod"][..],
        &["diff", "staging", "prod"],
        &["switch", UNKNOWN],
        &["--env", UNKNOWN, "show"],
        &["setup-backend", UNKNOWN],
    ] {
        xtask(None, &[], args)
            .expect(1)
            .contains(&format!("known environments: {}", known()));
    }
    xtask(None, &[("MHT_ENV", "Staging")], &["show"])
        .expect(1)
        .contains("unknown environment `Staging`");
}

#[test]
fn no_environment_selected_says_how_to_select_one() {
    let root = TempDir::checkout("noenv");
    // An empty MHT_ENV counts as unset (documented); whitespace only is an error (below).
    for env in [&[][..], &[("MHT_ENV", "")]] {
        xtask(Some(root.path()), env, &["show"])
            .expect(1)
            .contains("no environment selected; pass --env <ENV>, set MHT_ENV, or run `cargo xtask switch <ENV>`");
    }
}

#[test]
fn diff_shows_exactly_the_seeds_intended_differences() {
    let out = xtask(
        None,
        &[],
        &["diff", "staging", "production", "--format", "json"],
    );
    out.expect(0);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = v["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "protected",
            "promoted_from",
            "network.vpc_cidr",
            "network.subnet_cidrs",
            "compute.instance_type",
            "compute.instance_count",
            "compute.deletion_protection",
            "s3.data.lifecycle",
            "s3.data.noncurrent_expiration_days",
            "s3.log_retention_days",
            "sqs.log_retention_days",
            "dynamodb.deletion_protection",
            "iam.team_policies[0]",
            "dns.api_names",
            "dns.certificate_names",
            "monitoring.log_retention_days",
            "monitoring.notify",
            "monitoring.dashboard_view",
            "monitoring.subscriptions",
            "monitoring.alarms.response-time-p95",
            "monitoring.alarms.availability",
            "deployment.blue_green",
            "deployment.canary",
            "deployment.bake_seconds",
            "deployment.batch_size",
            "deployment.rollback_timeout_minutes",
            "deployment.discord_notifications",
            "backend.state_retention_days",
            "cost.budget_usd",
            "cost.usage.data_gb",
            "cost.usage.log_bucket_gb",
            "cost.usage.s3_put_thousands",
            "cost.usage.s3_get_thousands",
            "cost.usage.sqs_requests_millions",
            "cost.usage.dynamodb_writes_millions",
            "cost.usage.dynamodb_reads_millions",
            "cost.usage.dynamodb_gb",
            "cost.usage.log_ingest_gb",
            "cost.usage.alb_lcus",
            "cost.usage.dns_queries_millions",
            "cost.usage.transfer_out_gb",
            "cost.plan_estimate",
            "names.target_groups[0]",
            "names.launch_templates[0]",
            "names.autoscaling_groups[0]",
            "names.team_policies[0]",
            "names.team_groups[0]",
            "names.target_groups[1]",
            "names.launch_templates[1]",
            "names.autoscaling_groups[1]",
        ]
    );
    let text = xtask(None, &[], &["diff", "staging", "production"]);
    text.expect(0)
        .contains("compute.instance_type")
        .contains("more differ only by the environment name");
    let all = xtask(None, &[], &["diff", "staging", "production", "--all"]);
    all.expect(0).contains("mht-api-staging-data");
}

#[test]
fn switch_persists_and_env_precedence_holds() {
    let root = TempDir::checkout("switch");
    let r = Some(root.path());
    xtask(r, &[], &["switch"])
        .expect(0)
        .contains("no active environment");
    xtask(r, &[], &["switch", "staging"])
        .expect(0)
        .contains("switched to `staging`");
    xtask(r, &[], &["switch"])
        .expect(0)
        .contains("active environment: `staging`");
    xtask(r, &[], &["show"])
        .expect(0)
        .contains("environment `staging`");
    // MHT_ENV beats the switched environment; --env beats MHT_ENV.
    xtask(r, &[("MHT_ENV", "production")], &["show"])
        .expect(0)
        .contains("environment `production`");
    xtask(
        r,
        &[("MHT_ENV", "production")],
        &["--env", "staging", "show"],
    )
    .expect(0)
    .contains("environment `staging`");
    let prod = xtask(r, &[], &["switch", "production"]);
    prod.expect(0).contains("PROTECTED environment");
    let shell = xtask(r, &[], &["switch", "--shell"]);
    shell.expect(0);
    assert_eq!(
        shell.stdout,
        "export MHT_ENV=production\nexport AWS_REGION=us-west-2\n"
    );
    assert!(
        shell.stderr.contains("PROTECTED"),
        "banner goes to stderr under --shell"
    );
    let staging_shell = xtask(r, &[], &["switch", "staging", "--shell"]);
    staging_shell.expect(0);
    // No banner for an unprotected environment; only the line every mutation prints.
    assert_eq!(
        staging_shell.stderr,
        "environment: staging (from the command line)\n"
    );
    assert_eq!(
        staging_shell.stdout,
        "export MHT_ENV=staging\nexport AWS_REGION=us-west-2\n"
    );
}

#[test]
fn malformed_switch_state_is_an_error_not_a_panic() {
    let root = TempDir::checkout("badstate");
    let state = root.path().join(".mht/active-env.toml");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    for (content, message) in [
        ("environment = ", "is not a valid switch state file"),
        ("\u{0}\u{1}garbage", "is not a valid switch state file"),
        ("env = \"staging\"", "is not a valid switch state file"),
        ("environment = 3", "is not a valid switch state file"),
        (
            "environment = \"no-such-env\"",
            "names an environment that no longer exists",
        ),
    ] {
        std::fs::write(&state, content).unwrap();
        xtask(Some(root.path()), &[], &["show"])
            .expect(1)
            .contains(message);
        xtask(Some(root.path()), &[], &["switch"])
            .expect(1)
            .contains(message);
        // An explicit environment does not need the state file.
        xtask(Some(root.path()), &[], &["show", "staging"]).expect(0);
    }
    // `switch <env>` repairs it.
    xtask(Some(root.path()), &[], &["switch", "staging"]).expect(0);
    xtask(Some(root.path()), &[], &["show"]).expect(0);
}

#[test]
fn every_task_is_listed_and_aws_tasks_need_credentials() {
    let help = xtask(None, &[], &["--help"]);
    help.expect(0);
    for task in [
        "validate",
        "render",
        "show",
        "diff",
        "switch",
        "setup-backend",
        "test-s3",
        "test-sqs",
        "plan",
        "deploy",
        "destroy",
        "history",
        "rollback",
        "status",
        "unlock",
        "cost",
        "local",
        "output",
        "envs",
        "affected",
        "completions",
    ] {
        assert!(help.stdout.contains(task), "--help lacks {task}");
    }
    // No credentials anywhere (and no instance metadata): a clear way out, not a stack of causes.
    let none = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_PROFILE", "mht-no-such-profile"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let out = xtask(None, &none, &["setup-backend", "production"]);
    out.expect(1)
        .contains("setup-backend `production` on AWS us-west-2");
    assert!(
        out.stderr.contains("sts:GetCallerIdentity"),
        "{}",
        out.stderr
    );
}

#[test]
fn rules_list_names_every_rule_with_its_source() {
    let out = xtask(None, &[], &["validate", "--rules"]);
    out.expect(0)
        .contains("s3.lifecycle.ia-min-days")
        .contains("CloudWatch Logs API Reference");
}

#[test]
fn seed_script_names_are_shims_to_the_tool() {
    let script = |name: &str, env: &[(&str, &str)], args: &[&str]| {
        let root = TempDir::checkout("shim");
        let mut cmd = std::process::Command::new(support::repo().join("scripts").join(name));
        cmd.args(args)
            .env("MHT_ROOT", root.path())
            .env_remove("MHT_ENV")
            .env_remove("ENV");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    // ENV=… and a first argument both select the environment.
    let unknown = format!("unknown environment `{UNKNOWN}`");
    let (code, text) = script("test-sqs-infrastructure.sh", &[("ENV", UNKNOWN)], &[]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&unknown), "{text}");
    let (code, text) = script("deploy-environment.sh", &[], &[UNKNOWN]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains(&unknown), "{text}");
    let (code, text) = script("switch-environment.sh", &[], &["staging", "--shell"]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("export MHT_ENV=staging"), "{text}");
    for name in [
        "test-s3-infrastructure.sh",
        "setup-backend-infrastructure.sh",
        "validate-environment.sh",
    ] {
        assert!(
            support::repo().join("scripts").join(name).is_file(),
            "{name}"
        );
    }
}

/// `xtask <args>` with `root` as the project root and `MHT_ENV` set to raw bytes.
#[cfg(unix)]
fn xtask_with_raw_env(root: &std::path::Path, value: &[u8], args: &[&str]) -> support::Output {
    use std::os::unix::ffi::OsStrExt;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .env("MHT_ROOT", root)
        .env("MHT_ENV", std::ffi::OsStr::from_bytes(value))
        .output()
        .unwrap();
    support::Output::from(out)
}

#[test]
fn mht_env_set_but_invalid_is_an_error_never_the_switched_environment() {
    let root = TempDir::checkout("badenv");
    let r = Some(root.path());
    // The switched environment is production: falling back to it would be the surprise.
    xtask(r, &[], &["switch", "production"]).expect(0);
    for (value, problem) in [
        ("  ", "MHT_ENV is set to whitespace only (`  `)"),
        ("\t\n", "MHT_ENV is set to whitespace only (`\\t\\n`)"),
        ("Staging", "unknown environment `Staging` (from MHT_ENV)"),
        (" staging", "unknown environment ` staging` (from MHT_ENV)"),
        (
            UNKNOWN,
            &format!("unknown environment `{UNKNOWN}` (from MHT_ENV)"),
        ),
    ] {
        let out = xtask(r, &[("MHT_ENV", value)], &["show"]);
        out.expect(1).contains(problem).contains(
            &format!("known environments: {}", known()).replace("known environments: ", ""),
        );
        assert!(!out.stdout.contains("production"), "{}", out.stdout);
    }
    // A near miss is corrected.
    xtask(r, &[("MHT_ENV", "Staging")], &["show"]).contains("did you mean `staging`?");
    // Empty counts as unset: the switched environment, named with its source when it matters.
    xtask(r, &[("MHT_ENV", "")], &["show"])
        .expect(0)
        .contains("environment `production`");
    #[cfg(unix)]
    xtask_with_raw_env(root.path(), b"stag\xffing\x1b[2J", &["show"])
        .expect(1)
        .contains("MHT_ENV is not valid UTF-8 (`stag\\xffing\\u{1b}[2J`)")
        .contains(&known());
}

#[test]
fn a_positional_environment_and_env_must_agree() {
    let root = TempDir::checkout("agree");
    let r = Some(root.path());
    for args in [
        &["destroy", "staging", "--env", "production"][..],
        &["--env", "production", "show", "staging"],
        &["setup-backend", "staging", "--env", "production"],
        &["switch", "staging", "--env", "production"],
    ] {
        xtask(r, &[], args).expect(1).contains(
            "two environments given: `staging` on the command line and `production` with --env",
        );
    }
    assert!(!root.path().join(".mht").exists(), "switch acted anyway");
    xtask(r, &[], &["show", "staging", "--env", "staging"])
        .expect(0)
        .contains("environment `staging`");
    // `switch` takes --env as its environment too.
    xtask(r, &[], &["--env", "staging", "switch"])
        .expect(0)
        .contains("environment: staging (from --env)")
        .contains("switched to `staging`");
}

#[test]
fn mht_local_accepts_only_the_documented_values() {
    // Which endpoint a call went to tells whether MHT_LOCAL counted as on: both refuse at once.
    let emulator = "http://127.0.0.1:9";
    let aws = "http://127.0.0.1:7";
    let run = |value: &str| {
        xtask(
            None,
            &[
                ("MHT_LOCAL", value),
                ("MHT_LOCAL_ENDPOINT", emulator),
                ("AWS_ENDPOINT_URL", aws),
                ("AWS_ACCESS_KEY_ID", "test"),
                ("AWS_SECRET_ACCESS_KEY", "test"),
            ],
            &["test-s3", "staging"],
        )
    };
    for on in ["1", "true", "TRUE", "yes", "On"] {
        run(on)
            .expect(1)
            .contains(&format!("cannot reach the local emulator at {emulator}"));
    }
    for off in ["0", "false", "No", "OFF", ""] {
        run(off)
            .expect(1)
            .contains(&format!("cannot reach {aws} (AWS_ENDPOINT_URL)"));
    }
    for bad in ["nope", "2", " 1", "y"] {
        run(bad)
            .expect(1)
            .contains(&format!("MHT_LOCAL is `{bad}`, which is not a boolean"))
            .contains(
                "1, true, yes or on to turn it on; 0, false, no, off or empty to turn it off",
            );
    }
}

#[test]
fn mutations_name_the_environment_and_where_it_came_from() {
    let root = TempDir::checkout("announce");
    let r = Some(root.path());
    let local = [
        ("MHT_LOCAL", "1"),
        ("MHT_LOCAL_ENDPOINT", "http://127.0.0.1:9"),
    ];
    xtask(r, &[], &["switch", "staging"])
        .expect(0)
        .contains("environment: staging (from the command line)");
    let with = |extra: &[(&'static str, &'static str)]| [&local[..], extra].concat();
    for (env, args, line) in [
        (
            with(&[]),
            &["test-s3"][..],
            "environment: staging (from cargo xtask switch)",
        ),
        (
            with(&[("MHT_ENV", "production")]),
            &["test-sqs"],
            "environment: production (from MHT_ENV)",
        ),
        (
            with(&[]),
            &["--env", "production", "setup-backend"],
            "environment: production (from --env)",
        ),
        (
            with(&[]),
            &["setup-backend", "staging", "--fix"],
            "environment: staging (from the command line)",
        ),
    ] {
        let out = xtask(r, &env, args);
        out.expect(1).contains("cannot reach the local emulator");
        // Named before acting: the first line of stderr.
        assert_eq!(out.stderr.lines().next(), Some(line), "{}", out.stderr);
    }
    // Commands that change nothing say nothing more.
    for args in [
        &["setup-backend", "--check"][..],
        &["setup-backend", "--dry-run"],
        &["show"],
    ] {
        let out = xtask(r, &local, args);
        assert!(
            !out.stderr.contains("environment: "),
            "{args:?}: {}",
            out.stderr
        );
    }
}

#[test]
fn bench_runs_are_bounded() {
    for runs in ["18446744073709551615", "10001", "0"] {
        xtask(None, &[], &["bench", "--static", "--runs", runs])
            .expect(64)
            .contains("--runs <RUNS>");
    }
    xtask(
        None,
        &[],
        &["bench", "--static", "--runs", "18446744073709551615"],
    )
    .contains("is not in 1..=10000");
}

#[test]
fn a_root_that_is_not_a_checkout_is_refused_and_left_alone() {
    let base = TempDir::new("notroot");
    let file = base.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let empty = base.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let typo = base.path().join("typo");
    for (root, why) in [
        (&file, "it is a file, not a directory"),
        (&empty, "it is an empty directory"),
        (&typo, "it does not exist"),
    ] {
        for args in [
            &["switch", "staging"][..],
            &["render"],
            &["show", "staging"],
        ] {
            xtask(Some(root), &[], args).expect(1).contains(&format!(
                "`{}` is not a checkout of this project (no infra/ directory: {why})",
                root.display()
            ));
        }
    }
    assert_eq!(
        std::fs::read_dir(&empty).unwrap().count(),
        0,
        "a tree was created"
    );
    assert!(!typo.exists(), "a tree was created");
}

#[test]
fn a_generated_file_that_is_not_text_is_reported_as_what_it_is() {
    let root = project_copy();
    let rel = "infra/environments/staging/main.tf.json";
    let file = root.path().join(rel);
    let check = |reason: &str| {
        xtask(Some(root.path()), &[], &["render", "--check"])
            .expect(1)
            .contains(&format!("stale  {rel}  ({reason})"));
        xtask(Some(root.path()), &[], &["validate"])
            .expect(1)
            .contains(&format!("generated file {reason}"));
    };
    std::fs::write(&file, b"\xff\xfe\x00binary").unwrap();
    check("is not UTF-8 text (binary content)");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    check("is a directory, not a file");
    xtask(Some(root.path()), &[], &["render"])
        .expect(1)
        .contains("is a directory where the generated file belongs; remove it");
    std::fs::remove_dir(&file).unwrap();
    check("missing");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        xtask(Some(root.path()), &[], &["render"]).expect(0);
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads it anyway; the check only means something where permissions hold.
        if std::fs::read(&file).is_err() {
            check("is unreadable: Permission denied");
        }
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

#[test]
fn names_echoed_back_are_escaped_and_shortened() {
    let root = TempDir::checkout("echo");
    let r = Some(root.path());
    let escape = "\u{1b}]0;owned\u{7}\u{1b}[2J";
    let long = "x".repeat(100_000);
    for out in [
        xtask(r, &[], &["show", escape]),
        xtask(r, &[("MHT_ENV", escape)], &["show"]),
        xtask(r, &[], &["--env", escape, "setup-backend"]),
    ] {
        out.expect(1)
            .contains("unknown environment `\\u{1b}]0;owned\\u{7}\\u{1b}[2J`");
        assert!(
            !out.all().contains('\u{1b}'),
            "raw escape echoed: {:?}",
            out.all()
        );
    }
    for out in [
        xtask(r, &[], &["show", &long]),
        xtask(r, &[("MHT_ENV", &long)], &["show"]),
        xtask(r, &[], &["switch", "staging", "--env", &long]),
    ] {
        out.expect(1).contains(&format!("`{}…`", "x".repeat(64)));
        assert!(out.all().len() < 1000, "{} bytes echoed", out.all().len());
    }
    // The switch state file is user input too.
    let state = root.path().join(".mht/active-env.toml");
    std::fs::create_dir_all(state.parent().unwrap()).unwrap();
    std::fs::write(&state, format!("environment = \"\\u001b[31m{long}\"\n")).unwrap();
    let out = xtask(r, &[], &["show"]);
    out.expect(1)
        .contains("names an environment that no longer exists")
        .contains("unknown environment `\\u{1b}[31mxxx");
    assert!(
        !out.all().contains('\u{1b}') && out.all().len() < 1000,
        "{:?}",
        out.all()
    );
}

/// A server on loopback that answers every request with `response` (or never, if `None`).
fn fake_endpoint(response: Option<&'static str>) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            use std::io::{Read, Write};
            let Some(response) = response else {
                held.push(stream); // accept, never answer
                continue;
            };
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}

#[test]
fn unreachable_endpoints_are_named_with_what_went_wrong() {
    let html = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 43\r\nConnection: close\r\n\r\n<!DOCTYPE html><html><body>hi</body></html>";
    let page = fake_endpoint(Some(html));
    let hung = fake_endpoint(None);
    let cases = [
        ("http://127.0.0.1:9".to_string(), "cannot reach the local emulator at http://127.0.0.1:9: connection refused".to_string()),
        (page.clone(), format!("the local emulator at {page} is not an AWS endpoint: it answered HTTP 200 with an HTML page (`<!DOCTYPE html><html><body>hi</body></html>`)")),
        (hung.clone(), format!("cannot reach the local emulator at {hung}: timed out")),
    ];
    for (endpoint, message) in cases {
        let env = [("MHT_LOCAL_ENDPOINT", endpoint.as_str())];
        let out = xtask(
            None,
            &env,
            &["--local", "setup-backend", "staging", "--check"],
        );
        out.expect(1).contains(&message);
        assert!(!out.stderr.contains("DispatchFailure"), "{}", out.stderr);
        // --verbose adds the SDK's own account of it.
        xtask(None, &env, &["--local", "--verbose", "test-s3", "staging"])
            .expect(1)
            .contains("SDK error (--verbose): ");
    }
}

#[test]
fn a_missing_profile_is_named_with_the_files_searched() {
    let files = TempDir::new("awsfiles");
    let config = files.path().join("config");
    std::fs::write(&config, "[profile other]\nregion = us-west-2\n").unwrap();
    let env = [
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
        ("AWS_PROFILE", "nonexistent"),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ];
    let out = xtask(None, &env, &["setup-backend", "staging", "--check"]);
    out.expect(1).contains(&format!(
        "profile `nonexistent` (AWS_PROFILE) is not defined in `{}` or `/nonexistent/credentials` (does not exist); add it (`aws configure --profile nonexistent`",
        config.display()
    ));
    assert!(
        !out.stderr.contains("set AWS_PROFILE (or"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.len() < 800,
        "{} bytes:\n{}",
        out.stderr.len(),
        out.stderr
    );
    let verbose = xtask(
        None,
        &env,
        &["--verbose", "setup-backend", "staging", "--check"],
    );
    verbose.expect(1).contains("SDK error (--verbose): ");
}

/// Every subcommand, with arguments that act on nothing real: a throwaway root, no emulator (a
/// refused loopback port), nothing on PATH (so `demo` and `local up` stop at their checks).
fn harmless_invocations() -> Vec<Vec<&'static str>> {
    [
        &["--help"][..],
        &["help"],
        &["validate"],
        &["validate", "--rules"],
        &["validate", "--format", "json"],
        &["validate", "--live"],
        &["render", "--check"],
        &["render"],
        &["show", "staging"],
        &["diff", "staging", "production"],
        &["switch", "staging"],
        &["switch"],
        &["switch", "production", "--shell"],
        &["setup-backend", "staging", "--dry-run"],
        &["setup-backend", "staging"],
        &["plan", "staging"],
        &["deploy", "staging"],
        &["destroy", "staging"],
        &["history", "staging"],
        &["status", "production", "--format", "json"],
        &["rollback", "production"],
        &["rollback", "staging"],
        &["unlock", "staging", "some-lock-id"],
        &["cost"],
        &[
            "cost",
            "diff",
            "staging",
            "production",
            "--format",
            "markdown",
        ],
        &["test-s3", "staging"],
        &["test-sqs", "staging", "--format", "json"],
        &["secrets", "set", "discord-webhook", "staging"],
        &["alarms", "staging", "--format", "json"],
        &["test-alerts", "staging"],
        &["local", "status"],
        &["local", "down"],
        &["local", "up"],
        &["local", "reset"],
        &["demo"],
        &["bench", "--static", "--runs", "1"],
        &["bench", "--runs", "1"],
        &["output", "staging"],
        &["envs"],
        &["affected", "--base", "HEAD"],
        &["completions", "bash"],
        &["plan", "--all"],
        &["plan", "staging", "--format", "markdown"],
        &["scan"],
    ]
    .map(<[&str]>::to_vec)
    .to_vec()
}

#[cfg(unix)]
#[test]
fn a_closed_or_full_stdout_never_panics_any_command() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    // The list covers every subcommand `--help` names.
    let help = xtask(None, &[], &["--help"]);
    let listed: Vec<&str> = help
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let invocations = harmless_invocations();
    for task in &listed {
        assert!(
            invocations.iter().any(|args| args[0] == *task),
            "no closed-stdout case for `{task}`"
        );
    }
    let root = project_copy();
    let full = std::path::Path::new("/dev/full").exists();
    for args in &invocations {
        for closed_pipe in [true, false] {
            if !closed_pipe && !full {
                continue;
            }
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
            cmd.arg("--local")
                .args(args)
                .env("MHT_ROOT", root.path())
                .env("MHT_LOCAL_ENDPOINT", "http://127.0.0.1:9")
                .env("PATH", "/nonexistent")
                .env_remove("MHT_ENV")
                .stdin(Stdio::null())
                .stderr(Stdio::piped());
            if closed_pipe {
                cmd.stdout(Stdio::piped());
            } else {
                cmd.stdout(std::fs::File::create("/dev/full").unwrap());
            }
            let mut child = cmd.spawn().unwrap();
            drop(child.stdout.take()); // the reader goes away at once
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            let how = if closed_pipe {
                "closed pipe"
            } else {
                "/dev/full"
            };
            assert!(
                !stderr.contains("panicked") && out.status.code() != Some(101),
                "{args:?} with {how}: {:?} (signal {:?})\n{stderr}",
                out.status.code(),
                out.status.signal()
            );
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_is_an_error_and_a_closed_pipe_is_quiet() {
    use std::process::{Command, Stdio};
    let run = |stdout: Stdio| {
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["validate", "--rules"])
            .env_remove("MHT_ROOT")
            .stdout(stdout)
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let full = run(std::fs::File::create("/dev/full").unwrap().into());
    assert_eq!(full.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&full.stderr),
        "error: cannot write to standard output: No space left on device (os error 28); the output is incomplete\n"
    );
    // `| head -1`: the reader takes one line and leaves; the tool ends without a word.
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bench", "--static", "--runs", "1"])
        .env_remove("MHT_ROOT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn cost_shows_each_line_the_budget_and_the_plan() {
    let out = xtask(None, &[], &["cost", "staging"]);
    out.expect(0)
        .contains("EC2 instances, 2 × t2.micro")
        .contains("1460 instance-hour × $0.0116")
        .contains("(budget $70, ")
        .contains("the plan $25)")
        .contains("where the estimate and the plan differ:")
        .contains("free tier (not subtracted above):");
    let json = xtask(None, &[], &["cost", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.expect(0).stdout).unwrap();
    let envs = infra::environments::all();
    assert_eq!(v.as_array().unwrap().len(), envs.len());
    for (doc, builder) in v.as_array().unwrap().iter().zip(&envs) {
        assert_eq!(doc["environment"], builder.env_name());
        let sum: f64 = doc["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["monthly_usd"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - doc["total_usd"].as_f64().unwrap()).abs() < 0.05,
            "{doc}"
        );
    }
    xtask(None, &[], &["cost", UNKNOWN])
        .expect(1)
        .contains(&format!("unknown environment `{UNKNOWN}`"));
    xtask(None, &[], &["cost", "diff", "staging"])
        .expect(1)
        .contains("name two environments");
    xtask(
        None,
        &[],
        &["cost", "diff", "staging", "production", "--base", "main"],
    )
    .expect(64);
}

#[test]
fn a_rolling_environment_has_nothing_to_roll_back_to() {
    // Refused from the model alone, before any AWS call, with the way to an earlier version.
    xtask(None, &[], &["rollback", "staging"])
        .expect(1)
        .contains("`staging` rolls (no blue-green)")
        .contains("cargo xtask deploy staging --version <TAG>");
}

#[test]
fn usage_errors_exit_64_help_and_version_exit_0() {
    // A typo'd flag, an unknown command, a missing argument, a bad value: 64, never 2 (which
    // means changes or drift).
    for args in [
        &["validate", "--formt", "json"][..],
        &["valdate"],
        &[],
        &["completions"],
        &["completions", "powershel"],
        &["plan", "--jobs", "2"],
        &["plan", "--all", "--jobs", "0"],
        &["plan", "staging", "--all"],
        &["validate", "--live", "--all", "--jobs", "x"],
        &["deploy", "production", "--version", "-rc1"],
        &["deploy", "production", "--version", "a:b"],
        &["deploy", "production", "--canary", "50,10,100"],
        &["deploy", "production", "--canary", "10,50"],
        &[
            "deploy",
            "staging",
            "--version",
            "2.0",
            "--plan",
            "x.tfplan",
        ],
        &["plan", "--all", "--version", "2.0"],
    ] {
        let out = xtask(None, &[], args);
        out.expect(64);
        assert!(out.stdout.is_empty(), "{args:?}: {}", out.stdout);
        // No command at all: the help, on stderr.
        let said = if args.is_empty() { "Usage:" } else { "error:" };
        assert!(out.stderr.contains(said), "{args:?}: {}", out.stderr);
    }
    xtask(None, &[], &["validate", "--formt", "json"]).contains("unexpected argument '--formt'");
    // A bad version or canary names the rule it breaks.
    xtask(None, &[], &["deploy", "production", "--version", "a:b"])
        .contains("`a:b` is not an image tag");
    xtask(None, &[], &["deploy", "production", "--canary", "10,50"])
        .contains("must rise strictly, each 1-100, and end at 100");
    let help = xtask(None, &[], &["plan", "--help"]);
    help.expect(0).contains("--jobs <N>").contains("--all");
    let version = xtask(None, &[], &["--version"]);
    version.expect(0);
    assert_eq!(
        version.stdout.trim(),
        format!("cargo xtask {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn completions_cover_every_command_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = xtask(None, &[], &["completions", shell]);
        out.expect(0);
        for word in ["affected", "setup-backend", "jobs", "show-sensitive"] {
            assert!(out.stdout.contains(word), "{shell} lacks `{word}`");
        }
    }
    let bash = xtask(None, &[], &["completions", "bash"]);
    assert!(
        bash.stdout.contains("complete -F _xtask"),
        "{}",
        bash.stdout
    );
    // The script is valid bash.
    let root = TempDir::new("completions");
    let script = root.path().join("xtask.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let ok = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap()
        .success();
    assert!(ok, "bash -n rejects the completion script");
}
