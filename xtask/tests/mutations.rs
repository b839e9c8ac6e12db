//! A user edits the environment definitions (or the naming scheme) in a copy of this
//! repository and runs `cargo xtask validate`: each mistake must fail with the path and the fix.
//! The copy builds into this workspace's target directory under another package name, so the
//! dependencies are reused and its binary never replaces the one the other tests run.

mod support;

use support::{cargo_xtask, commit_all, edit, workspace_copy, Moto};

#[test]
fn each_mistake_fails_validate_with_path_and_fix() {
    let copy = workspace_copy("mutant");
    let envs = "infra/src/environments.rs";
    let model = "infra/src/model.rs";
    // (file, original text, mistake, expected location, expected fix or what it reaches)
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
            "c.instance_type = \"t2.micro\".into();",
            "c.instance_type = \"t2.mirco\".into();",
            "staging.compute.instance_type",
            "did you mean `t2.micro`?",
        ),
        (
            envs,
            "(60, \"GLACIER\")",
            "(60, \"GLACIR\")",
            "staging.s3.data.lifecycle[1]",
            "did you mean `GLACIER`?",
        ),
        (
            envs,
            "c.instance_count = 3;",
            "c.instance_count = 6;",
            "production.cost.budget_usd",
            "biggest items: EC2 instances, 6 × t3.medium $182.21",
        ),
        // The plan's development policy: `*staging*` reaches production's objects.
        (
            envs,
            "statements: Vec::new(),",
            "statements: vec![crate::model::Statement { actions: strings([\"*\"]), resources: strings([\"arn:aws:*:*:*:*staging*\"]) }],",
            "staging.iam.team_policies[0].Statement[11]",
            "reaches `production`'s `arn:aws:s3:::mht-api-production-data/reports/staging-summary.csv`",
        ),
        // The plan's operations policy: `*production*` reaches production's Terraform state.
        (
            envs,
            "denied_actions: Vec::new(),\n                statements: Vec::new(),",
            "denied_actions: Vec::new(),\n                statements: vec![crate::model::Statement { actions: strings([\"s3:GetObject\", \"sqs:ReceiveMessage\"]), resources: strings([\"arn:aws:*:*:*:*production*\"]) }],",
            "production.iam.team_policies[0].Statement[8]",
            "does not deploy `production` but reaches its `arn:aws:s3:::mht-terraform-state-production/infrastructure/terraform.tfstate` (Terraform state)",
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
        let out = cargo_xtask(copy.path(), "mutant", &[], &["validate"]);
        std::fs::write(copy.path().join(file), original).unwrap();
        let text = out.all();
        assert_eq!(out.code, 1, "`{to}` should fail validate:\n{text}");
        assert!(
            text.contains(&format!("\n{location}\n")),
            "`{to}`: no `{location}` in:\n{text}"
        );
        assert!(text.contains(fix), "`{to}`: no fix `{fix}` in:\n{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}

/// Two checkouts sharing one target directory: Cargo may hand one the other's binary. The
/// second checkout's `cargo xtask validate` either refuses, naming both checkouts, or reads its
/// own files; it never reports the first checkout's definitions.
#[test]
fn a_checkout_never_acts_on_another_checkouts_definitions() {
    let (a, b) = (workspace_copy("twin"), workspace_copy("twin"));
    let mistake = ".sqs(|q| q.log_retention_days = 10)";
    edit(
        a.path(),
        "infra/src/environments.rs",
        ".sqs(|q| q.log_retention_days = 7)",
        mistake,
    );
    let first = cargo_xtask(a.path(), "twin", &[], &["validate"]);
    first
        .expect(1)
        .contains("\nstaging.sqs.log_retention_days\n");

    let second = cargo_xtask(b.path(), "twin", &[], &["validate"]);
    let text = second.all();
    assert!(!text.contains("panicked"), "{text}");
    assert!(
        !text.contains("staging.sqs.log_retention_days"),
        "the second checkout reported the first one's definitions:\n{text}"
    );
    match second.code {
        0 => assert!(text.contains("all checks passed"), "{text}"),
        _ => {
            second
                .expect(1)
                .contains("refusing to run")
                .contains(&format!("built from `{}`", a.path().display()))
                .contains(&format!("runs in `{}`", b.path().display()))
                .contains("cargo clean -p xtask -p infra");
            // Nothing was written in either checkout.
            assert!(!b.path().join(".mht").exists());
        }
    }
}

/// The `qa` environment of the README's "Add an environment", as a user adds it.
const QA: &str = include_str!("support/qa.rs");

/// Files of `root` (relative paths), leaving out what tools write: `.mht/`, `.terraform/`,
/// lock files and emulator overrides.
fn files(root: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fn walk(
        dir: &std::path::Path,
        root: &std::path::Path,
        out: &mut std::collections::BTreeMap<String, Vec<u8>>,
    ) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = entry.path();
            if [".mht", ".terraform", ".git", "target"].contains(&name.as_str())
                || name.ends_with(".terraform.lock.hcl")
                || name.ends_with("_override.tf.json")
            {
                continue;
            }
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Adding an environment is one function in `environments.rs`, then `render`: it validates,
/// renders, passes `terraform validate` offline, plans on the emulator, and takes its place in
/// the promotion order (production's gate names it).
#[test]
fn adding_an_environment_is_one_function_then_render() {
    let readme = std::fs::read_to_string(support::repo().join("README.md")).unwrap();
    assert!(
        readme.contains(QA.trim_end()),
        "README's `qa` example differs from support/qa.rs"
    );
    let copy = workspace_copy("qa");
    let root = copy.path();
    let envs = "infra/src/environments.rs";
    edit(
        root,
        envs,
        "/// Every environment.",
        &format!("{QA}/// Every environment."),
    );
    edit(
        root,
        envs,
        ".promoted_from(\"staging\")",
        ".promoted_from(\"qa\")",
    );
    edit(
        root,
        envs,
        "vec![staging(), production()]",
        "vec![staging(), qa(), production()]",
    );
    let run = |env: &[(&str, &str)], args: &[&str]| cargo_xtask(root, "qa", env, args);

    run(&[], &["validate"])
        .expect(1)
        .contains("infra/environments/qa/main.tf.json");
    // (after the first build: Cargo records the renamed test packages in Cargo.lock)
    let before = files(root);
    run(&[], &["render"])
        .expect(0)
        .contains("wrote      infra/environments/qa/main.tf.json");
    run(&[], &["validate"])
        .expect(0)
        .contains("all checks passed for staging, qa, production");
    // Only generated files changed beside the definition itself.
    let after = files(root);
    let changed: Vec<&String> = after
        .keys()
        .filter(|f| before.get(*f) != after.get(*f))
        .collect();
    assert!(
        changed.iter().all(|f| f.starts_with("infra/environments/")),
        "render changed more than generated files: {changed:?}"
    );
    assert!(root.join("infra/environments/qa/README.md").exists());
    run(&[], &["validate", "--terraform"])
        .expect(0)
        .contains("terraform validate");

    let moto = Moto::start();
    let local = [("MHT_LOCAL_ENDPOINT", moto.endpoint())];
    let local: Vec<(&str, &str)> = local.iter().map(|(k, v)| (*k, v.as_str())).collect();
    run(&local, &["--local", "setup-backend", "qa"]).expect(0);
    run(&local, &["--local", "plan", "qa"])
        .expect(2)
        .contains("to add");
    // The gate reads qa's records now: production names qa, not staging.
    commit_all(root);
    run(&local, &["--local", "deploy", "production"])
        .expect(1)
        .contains("has no successful deployment to `qa`; run `cargo xtask deploy qa` first");
}

/// A change committed in a scratch repository: `cost diff --base HEAD~1` shows what it adds a
/// month, from the estimate committed at the base (`cost.json`) and this working tree; and
/// `affected` names the environments it changes.
#[test]
fn cost_diff_against_the_previous_commit() {
    let copy = workspace_copy("cost");
    let root = copy.path();
    let run = |args: &[&str]| cargo_xtask(root, "cost", &[], args);
    run(&["validate"]).expect(0);
    commit_all(root);
    let envs = "infra/src/environments.rs";
    edit(root, envs, "c.instance_count = 3;", "c.instance_count = 4;");
    edit(root, envs, "c.budget_usd = 180;", "c.budget_usd = 220;");
    run(&["render"]).expect(0);
    support::git(root, &["commit", "-qam", "production: a fourth instance"]);

    run(&[
        "cost",
        "diff",
        "--base",
        "HEAD~1",
        "production",
        "--format",
        "markdown",
    ])
    .expect(0)
    .contains("### Monthly cost, `production`: `HEAD~1` → this working tree: +$34.66")
    .contains("| EC2 instances, 4 × t3.medium | $91.10 | $121.47 | +$30.37 |")
    .contains("| total | $164.39 | $199.05 | +$34.66 |");
    // Staging did not change: only its totals, unchanged.
    let staging = run(&[
        "cost", "diff", "--base", "HEAD~1", "staging", "--format", "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&staging.expect(0).stdout).unwrap();
    let changes = v[0]["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0]["delta"], 0.0);
    run(&["cost", "diff", "--base", "no-such-ref"])
        .expect(1)
        .contains("is not in `no-such-ref`");

    // `affected`: the model changed, but only production renders differently, so production
    // alone is affected (a CI matrix as JSON, the reasons on stderr).
    let matrix = |out: &support::Output| -> serde_json::Value {
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()))
    };
    let out = run(&["affected", "--base", "HEAD~1", "--format", "json"]);
    assert_eq!(matrix(out.expect(0)), serde_json::json!(["production"]));
    out.contains("production: its rendered root changed");
    // By default: the merge base with `main` (here the commit before this branch's).
    support::git(root, &["checkout", "-q", "-B", "feature"]);
    support::git(root, &["branch", "-f", "main", "HEAD~1"]);
    let out = run(&["affected", "--format", "json"]);
    assert_eq!(matrix(out.expect(0)), serde_json::json!(["production"]));
    out.contains("the merge base with `main`");
    run(&["affected", "--base", "HEAD"])
        .expect(0)
        .contains("no environment is affected");
    // A module changed (not committed yet): every environment whose root calls it.
    let module = root.join("infra/modules/sqs/main.tf");
    let text = std::fs::read_to_string(&module).unwrap();
    std::fs::write(&module, format!("{text}\n# a note\n")).unwrap();
    let out = run(&["affected", "--base", "HEAD", "--format", "json"]);
    assert_eq!(
        matrix(out.expect(0)),
        serde_json::json!(["staging", "production"])
    );
    out.contains("staging: module `sqs` changed");
    run(&["affected", "--base", "no-such-ref"])
        .expect(1)
        .contains("`no-such-ref` names no commit");
}
