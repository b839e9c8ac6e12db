//! A user edits the environment definitions (or the naming scheme) in a copy of this
//! repository and runs `cargo xtask validate`: each mistake must fail with the path and the fix.
//! The copy builds into this workspace's target directory under another package name, so the
//! dependencies are reused and its binary never replaces the one the other tests run.

mod support;

use support::{cargo_xtask, edit, workspace_copy};

#[test]
fn each_mistake_fails_validate_with_path_and_fix() {
    let copy = workspace_copy("mutant");
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
