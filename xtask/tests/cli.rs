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
    let checks = ["isolation", "promotion", "parity", "rendered files"];
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
    // One rules check per environment, then isolation, promotion, parity, rendered files.
    let envs = infra::environments::all().len();
    assert_eq!(v["checks"].as_array().unwrap().len(), envs + 4);
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
    let root = TempDir::new("render");
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
    let root = TempDir::new("noenv");
    for env in [&[][..], &[("MHT_ENV", "")], &[("MHT_ENV", "  ")]] {
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
            "s3.data.lifecycle",
            "s3.log_retention_days",
            "sqs.log_retention_days",
            "iam.team_policies[0]",
            "dns.api_names",
            "dns.certificate_names",
            "monitoring.log_retention_days",
            "deployment.blue_green",
            "deployment.rollback_timeout_minutes",
            "deployment.discord_notifications",
            "backend.state_retention_days",
            "names.target_groups[0]",
            "names.team_policies[0]",
            "names.target_groups[1]",
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
    let root = TempDir::new("switch");
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
    assert_eq!(staging_shell.stderr, "");
}

#[test]
fn malformed_switch_state_is_an_error_not_a_panic() {
    let root = TempDir::new("badstate");
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
        "local",
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
        let root = TempDir::new("shim");
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
