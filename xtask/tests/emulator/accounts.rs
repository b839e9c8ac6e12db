//! An account per environment, on moto: in a copy of this repository, staging declares account
//! 111111111111 and a role by name, production account 222222222222 and a role by ARN. Both are
//! set up and deployed through their roles (the tool's SDK calls, Terraform's provider and its
//! S3 backend assume them; moto maps assumed-role credentials to the role's account), each
//! environment's resources land in its own account and nothing in the base credentials'
//! account (moto's default, 123456789012); without its role, production's credentials are the
//! wrong account's and the guard refuses.

use crate::support::{cargo_xtask, commit_all, edit, workspace_copy, Moto};
use infra::environments::{production, staging};
use xtask::aws::Aws;

const STAGING: (&str, &str) = ("111111111111", "mht-deployer");
const PRODUCTION: (&str, &str) = (
    "222222222222",
    "arn:aws:iam::222222222222:role/mht-deployer",
);

/// The DSL lines that put an environment in `account`, reached through `role`.
fn declared((account, role): (&str, &str)) -> String {
    format!(".account(\"{account}\")\n        .assume_role(\"{role}\")\n        ")
}

/// Names of the buckets and of the tables `env`'s credentials see.
fn holdings(env: &infra::Environment, endpoint: &str) -> (Vec<String>, Vec<String>) {
    let aws = Aws::with_endpoint(env, Some(endpoint.to_string())).unwrap();
    let out = aws.block_on(aws.s3().list_buckets().send()).unwrap();
    let mut buckets: Vec<String> = out
        .buckets()
        .iter()
        .filter_map(|b| b.name().map(str::to_string))
        .collect();
    buckets.sort();
    let tables = aws.block_on(aws.dynamodb().list_tables().send()).unwrap();
    let mut tables = tables.table_names().to_vec();
    tables.sort();
    (buckets, tables)
}

#[test]
fn each_environment_deploys_into_its_own_account_through_its_role() {
    let copy = workspace_copy("accounts");
    let root = copy.path();
    let envs = "infra/src/environments.rs";
    let staging_from = "baseline(\"staging\")\n        ";
    let production_from = "baseline(\"production\")\n        ";
    edit(
        root,
        envs,
        staging_from,
        &format!("{staging_from}{}", declared(STAGING)),
    );
    edit(
        root,
        envs,
        production_from,
        &format!("{production_from}{}", declared(PRODUCTION)),
    );
    let moto = Moto::start();
    let ep = moto.endpoint();
    let run = |extra: &[(&str, &str)], args: &[&str]| {
        let mut env = vec![("MHT_LOCAL_ENDPOINT", ep.as_str())];
        env.extend_from_slice(extra);
        cargo_xtask(root, "accounts", &env, args)
    };
    run(&[], &["render"]).expect(0);
    run(&[], &["validate"]).expect(0);
    commit_all(root);
    for name in ["staging", "production"] {
        run(&[], &["--local", "setup-backend", name])
            .expect(0)
            .contains(":assumed-role/mht-deployer/");
        // One after the other: `terraform init` fills the shared plugin cache, which two
        // inits at once would race on.
        run(&[], &["--local", "plan", name])
            .expect(2)
            .contains("to add, 0 to change, 0 to destroy");
    }
    // Both at once (two roots, two accounts); production is protected: CI=true for --yes.
    let (staged, produced) = std::thread::scope(|s| {
        let a = s.spawn(|| run(&[], &["--local", "deploy", "staging", "--yes"]));
        let b = s.spawn(|| {
            run(
                &[("CI", "true"), ("MHT_DISCORD_WEBHOOK_URL", "")],
                &[
                    "--local",
                    "deploy",
                    "production",
                    "--yes",
                    "--skip-promotion-gate",
                ],
            )
        });
        (a.join().unwrap(), b.join().unwrap())
    });
    for out in [&staged, &produced] {
        out.expect(0)
            .contains("result: success")
            .contains(" 0 failed");
    }

    // Each account holds its environment's buckets and tables (the lock table, which Terraform's
    // backend used), the base account none.
    let s = staging().account(STAGING.0).assume_role(STAGING.1);
    let p = production().account(PRODUCTION.0).assume_role(PRODUCTION.1);
    for env in [s.build().unwrap(), p.build().unwrap()] {
        let mut own = vec![
            env.names.data_bucket.clone(),
            env.names.log_bucket.clone(),
            env.names.state_bucket.clone(),
        ];
        own.sort();
        let mut tables = vec![env.names.table.clone(), env.names.lock_table.clone()];
        tables.sort();
        assert_eq!(
            holdings(&env, &ep),
            (own, tables),
            "account of `{}`",
            env.name
        );
    }
    let base = staging().build().unwrap();
    assert_eq!(holdings(&base, &ep), Default::default(), "base account");

    // Production without its role: the base credentials are another account's; refused.
    edit(
        root,
        envs,
        &format!(".assume_role(\"{}\")\n        ", PRODUCTION.1),
        "",
    );
    run(&[], &["render"]).expect(0);
    run(&[], &["--local", "plan", "production"])
        .expect(1)
        .contains("refusing to act on `production`")
        .contains("the credentials are for account `123456789012`")
        .contains("declares account `222222222222`")
        .contains("declare a role of account `222222222222` to assume");
}
