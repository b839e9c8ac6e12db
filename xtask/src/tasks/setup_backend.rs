//! `cargo xtask setup-backend <env> [--check | --fix | --dry-run]`: the Terraform state bucket
//! and lock table of an environment, created to the spec in `infra::expect`, idempotently.
//! It adds what is absent, reports what drifted (repairs it only with `--fix`), and never
//! deletes a bucket, a table, an object or a version.

use crate::aws::{self, Aws};
use crate::project::Project;
use crate::s3::{self, Observation, State};
use crate::table;
use anyhow::{bail, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ScalarAttributeType, SseSpecification, TableStatus, Tag,
};
use infra::expect::{self, LockTable};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct SetupBackend {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Change nothing; exit 1 if anything is missing or drifted (for CI)
    #[arg(long, conflicts_with_all = ["fix", "dry_run"])]
    check: bool,
    /// Also repair settings that drifted from the spec
    #[arg(long)]
    fix: bool,
    /// Change nothing; print the calls a run with the same flags would make
    #[arg(long)]
    dry_run: bool,
}

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// Every setting of the lock table against `spec`; `None` when the table does not exist.
async fn inspect_table(
    aws: &Aws,
    db: &aws_sdk_dynamodb::Client,
    spec: &LockTable,
) -> Result<Option<Vec<Observation>>> {
    let t = spec.name.as_str();
    let mut waited = false;
    let table = loop {
        let table = match db.describe_table().table_name(t).send().await {
            Ok(r) => r
                .table
                .unwrap_or_else(|| aws_sdk_dynamodb::types::TableDescription::builder().build()),
            Err(e) if aws::is_code(&e, &["ResourceNotFoundException"]) => return Ok(None),
            Err(e) => return Err(aws.error(&format!("dynamodb:DescribeTable `{t}`"), e)),
        };
        // A table another run is creating: judge it once it is ready.
        if waited || table.table_status() == Some(&TableStatus::Active) {
            break table;
        }
        wait_active(aws, db, t).await?;
        waited = true;
    };
    let (backups, tags) = tokio::join!(
        db.describe_continuous_backups().table_name(t).send(),
        db.list_tags_of_resource()
            .resource_arn(table.table_arn().unwrap_or_default())
            .send(),
    );
    let backups =
        backups.map_err(|e| aws.error(&format!("dynamodb:DescribeContinuousBackups `{t}`"), e))?;
    let tags = tags.map_err(|e| aws.error(&format!("dynamodb:ListTagsOfResource `{t}`"), e))?;
    let key = table
        .key_schema()
        .iter()
        .map(|k| {
            let ty = table
                .attribute_definitions()
                .iter()
                .find(|a| a.attribute_name() == k.attribute_name())
                .map(|a| a.attribute_type().as_str().to_string())
                .unwrap_or_default();
            format!("{} {} {ty}", k.attribute_name(), k.key_type().as_str())
        })
        .collect::<Vec<_>>()
        .join(", ");
    let billing = table
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|b| b.as_str().to_string())
        .unwrap_or_else(|| "PROVISIONED".into());
    let sse = table
        .sse_description()
        .and_then(|s| s.status())
        .map(|s| s.as_str().to_string());
    let pitr = backups
        .continuous_backups_description()
        .and_then(|c| c.point_in_time_recovery_description())
        .and_then(|p| p.point_in_time_recovery_status())
        == Some(&PointInTimeRecoveryStatus::Enabled);
    let live_tags: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    let expected_billing = if spec.on_demand {
        "PAY_PER_REQUEST"
    } else {
        "PROVISIONED"
    };
    let protected = table.deletion_protection_enabled() == Some(true);
    let sse_on = matches!(sse.as_deref(), Some("ENABLED" | "ENABLING"));
    Ok(Some(vec![
        Observation::new(
            t,
            "key schema",
            format!("{} HASH S", spec.hash_key),
            &key,
            false,
        ),
        Observation::new(t, "billing mode", expected_billing, &billing, false),
        // Off is a new table's default for these three: adding them overwrites nothing.
        Observation::new(
            t,
            "encryption",
            on_off(spec.encryption),
            on_off(sse_on),
            !sse_on,
        ),
        Observation::new(
            t,
            "point-in-time recovery",
            on_off(spec.point_in_time_recovery),
            on_off(pitr),
            !pitr,
        ),
        Observation::new(
            t,
            "deletion protection",
            on_off(spec.deletion_protection),
            on_off(protected),
            !protected,
        ),
        Observation::tags(t, &spec.tags, &live_tags),
    ]))
}

fn describe_table_fix(spec: &LockTable, check: &str) -> String {
    let t = &spec.name;
    match check {
        "exists" => format!(
            "dynamodb:CreateTable `{t}` ({} HASH S, on-demand, encrypted, deletion protection {}, tags), then wait until ACTIVE",
            spec.hash_key,
            on_off(spec.deletion_protection)
        ),
        "point-in-time recovery" => format!("dynamodb:UpdateContinuousBackups `{t}` point-in-time recovery {}", on_off(spec.point_in_time_recovery)),
        "billing mode" => format!("dynamodb:UpdateTable `{t}` billing PAY_PER_REQUEST"),
        "encryption" => format!("dynamodb:UpdateTable `{t}` SSE enabled"),
        "deletion protection" => format!("dynamodb:UpdateTable `{t}` deletion protection {}", on_off(spec.deletion_protection)),
        "tags" => format!("dynamodb:TagResource `{t}` {}", s3::tags_text(&spec.tags)),
        other => format!("`{other}` of `{t}` cannot be changed in place"),
    }
}

async fn create_table(aws: &Aws, db: &aws_sdk_dynamodb::Client, spec: &LockTable) -> Result<()> {
    let mut req = db
        .create_table()
        .table_name(&spec.name)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(spec.hash_key)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(spec.hash_key)
                .key_type(KeyType::Hash)
                .build()?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .sse_specification(SseSpecification::builder().enabled(spec.encryption).build())
        .deletion_protection_enabled(spec.deletion_protection);
    for (k, v) in &spec.tags {
        req = req.tags(Tag::builder().key(k).value(v).build()?);
    }
    match req.send().await {
        Ok(_) => Ok(()),
        // Created a moment ago by a concurrent run.
        Err(e) if aws::is_code(&e, &["ResourceInUseException"]) => Ok(()),
        Err(e) => Err(aws.error(&format!("dynamodb:CreateTable `{}`", spec.name), e)),
    }
}

async fn wait_active(aws: &Aws, db: &aws_sdk_dynamodb::Client, name: &str) -> Result<()> {
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("waiting for table `{name}` to become ACTIVE"));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = db
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| aws.error(&format!("dynamodb:DescribeTable `{name}`"), e))?
            .table
            .and_then(|t| t.table_status);
        if status == Some(TableStatus::Active) {
            spinner.finish_and_clear();
            return Ok(());
        }
        if Instant::now() > deadline {
            spinner.finish_and_clear();
            bail!("table `{name}` is not ACTIVE after 5 minutes (status {status:?})");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn fix_table(
    aws: &Aws,
    db: &aws_sdk_dynamodb::Client,
    spec: &LockTable,
    check: &str,
) -> Result<()> {
    let t = spec.name.as_str();
    let call = |op: &str| format!("dynamodb:{op} `{t}`");
    match check {
        "point-in-time recovery" => {
            db.update_continuous_backups()
                .table_name(t)
                .point_in_time_recovery_specification(
                    PointInTimeRecoverySpecification::builder().point_in_time_recovery_enabled(spec.point_in_time_recovery).build()?,
                )
                .send()
                .await
                .map_err(|e| aws.error(&call("UpdateContinuousBackups"), e))?;
        }
        "billing mode" => {
            db.update_table().table_name(t).billing_mode(BillingMode::PayPerRequest).send().await.map_err(|e| aws.error(&call("UpdateTable"), e))?;
        }
        "encryption" => {
            db.update_table()
                .table_name(t)
                .sse_specification(SseSpecification::builder().enabled(spec.encryption).build())
                .send()
                .await
                .map_err(|e| aws.error(&call("UpdateTable"), e))?;
        }
        "deletion protection" => {
            db.update_table()
                .table_name(t)
                .deletion_protection_enabled(spec.deletion_protection)
                .send()
                .await
                .map_err(|e| aws.error(&call("UpdateTable"), e))?;
        }
        "tags" => {
            let arn = db
                .describe_table()
                .table_name(t)
                .send()
                .await
                .map_err(|e| aws.error(&call("DescribeTable"), e))?
                .table
                .and_then(|d| d.table_arn)
                .unwrap_or_default();
            let mut req = db.tag_resource().resource_arn(arn);
            for (k, v) in &spec.tags {
                req = req.tags(Tag::builder().key(k).value(v).build()?);
            }
            req.send().await.map_err(|e| aws.error(&call("TagResource"), e))?;
        }
        other => bail!("`{other}` of table `{t}` cannot be changed in place; a table with another key schema must be recreated by hand"),
    }
    Ok(())
}

/// What happens to one observed setting in this run.
fn action(o: &Observation, mode: Mode) -> &'static str {
    if o.check == "exists" && o.state == State::Absent {
        return match mode {
            Mode::Check => "MISSING",
            Mode::DryRun { .. } => "would create",
            Mode::Apply { .. } => "created",
        };
    }
    match (o.state, mode) {
        (State::Ok, _) => "ok",
        (State::Skipped, _) => "skipped (emulator)",
        (State::Absent, Mode::Check) => "MISSING",
        (State::Absent, Mode::DryRun { .. }) => "would set",
        (State::Absent, Mode::Apply { .. }) => "set",
        (State::Different, Mode::Check) => "DRIFT",
        (State::Different, Mode::DryRun { repair: true }) => "would repair",
        (State::Different, Mode::Apply { repair: true }) => "repaired",
        (State::Different, _) => "DRIFT (not changed; --fix repairs it)",
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Check,
    DryRun { repair: bool },
    Apply { repair: bool },
}

impl SetupBackend {
    /// `setup-backend <env>` as the demo and the bench run it.
    pub fn apply(env: &str) -> SetupBackend {
        SetupBackend {
            environment: Some(env.to_string()),
            check: false,
            fix: false,
            dry_run: false,
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let mode = if self.check {
            Mode::Check
        } else if self.dry_run {
            Mode::DryRun { repair: self.fix }
        } else {
            Mode::Apply { repair: self.fix }
        };
        let aws = Aws::connect(p, &env)?;
        println!(
            "setup-backend `{name}` on {} (account {})",
            aws.target, env.account_id
        );
        let caller = aws.guard_account(&env)?;
        println!("caller: {caller}");
        let bucket = expect::buckets(&env)
            .into_iter()
            .find(|b| b.purpose == "state")
            .expect("state bucket");
        let lock = expect::lock_table(&env);
        let (s3c, db) = (aws.s3(), aws.dynamodb());
        let mut rows: Vec<Observation> = Vec::new();
        let mut calls: Vec<String> = Vec::new();
        let repair = matches!(
            mode,
            Mode::Apply { repair: true } | Mode::DryRun { repair: true }
        );
        let wanted =
            |o: &Observation| o.state == State::Absent || (repair && o.state == State::Different);

        // The state bucket.
        let exists = aws.block_on(s3::exists(&aws, &s3c, &bucket.name))?;
        rows.push(Observation::new(
            &bucket.name,
            "exists",
            "yes",
            if exists { "yes" } else { "no" },
            true,
        ));
        match mode {
            Mode::Apply { repair } => {
                let (before, done) = aws.block_on(s3::converge(&aws, &s3c, &bucket, repair))?;
                rows.extend(before);
                calls.extend(done);
            }
            _ if exists => {
                let before = aws.block_on(s3::inspect(&aws, &s3c, &bucket))?;
                calls.extend(
                    before
                        .iter()
                        .filter(|o| wanted(o))
                        .map(|o| s3::describe_fix(&bucket, o.check)),
                );
                rows.extend(before);
            }
            _ => {
                calls.push(s3::describe_fix(&bucket, "exists"));
                calls.extend(
                    s3::needed_on_new(&bucket)
                        .into_iter()
                        .map(|c| s3::describe_fix(&bucket, c)),
                );
            }
        }

        // The lock table.
        match aws.block_on(inspect_table(&aws, &db, &lock))? {
            None => {
                rows.push(Observation::new(&lock.name, "exists", "yes", "no", true));
                calls.push(describe_table_fix(&lock, "exists"));
                calls.push(describe_table_fix(&lock, "point-in-time recovery"));
                if let Mode::Apply { .. } = mode {
                    aws.block_on(async {
                        create_table(&aws, &db, &lock).await?;
                        wait_active(&aws, &db, &lock.name).await?;
                        fix_table(&aws, &db, &lock, "point-in-time recovery").await
                    })?;
                }
            }
            Some(before) => {
                for o in before.iter().filter(|o| wanted(o)) {
                    calls.push(describe_table_fix(&lock, o.check));
                    if let Mode::Apply { .. } = mode {
                        aws.block_on(fix_table(&aws, &db, &lock, o.check))?;
                    }
                }
                rows.extend(before);
            }
        }

        let table_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|o| {
                vec![
                    o.resource.clone(),
                    o.check.to_string(),
                    o.expected.clone(),
                    o.actual.clone(),
                    action(o, mode).to_string(),
                ]
            })
            .collect();
        print!(
            "{}",
            table::render(
                &["resource", "setting", "expected", "found", "action"],
                &table_rows
            )
        );
        let drift: Vec<&Observation> = rows
            .iter()
            .filter(|o| o.state == State::Different)
            .collect();
        let not_ok = rows
            .iter()
            .filter(|o| !matches!(o.state, State::Ok | State::Skipped))
            .count();
        match mode {
            Mode::Check => {
                if not_ok == 0 {
                    println!("\n`{name}` backend matches the spec");
                    return Ok(ExitCode::SUCCESS);
                }
                eprintln!("\nerror: {not_ok} settings missing or drifted; run `cargo xtask setup-backend {name}` (add --fix for drift)");
                Ok(ExitCode::FAILURE)
            }
            Mode::DryRun { .. } => {
                if calls.is_empty() {
                    println!("\ndry run: no calls needed");
                } else {
                    println!("\ndry run: would call");
                    for c in &calls {
                        println!("  {c}");
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
            Mode::Apply { repair } => {
                if calls.is_empty() {
                    println!("\nno changes: `{name}` backend already matches the spec");
                } else {
                    println!("\nchanged:");
                    for c in &calls {
                        println!("  {c}");
                    }
                }
                if !repair && !drift.is_empty() {
                    eprintln!(
                        "\nerror: {} settings drifted from the spec and were not changed; review them, then run `cargo xtask setup-backend {name} --fix`",
                        drift.len()
                    );
                    return Ok(ExitCode::FAILURE);
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

/// What keeps `env`'s backend from matching the spec (`setup-backend --check` without output):
/// one line per missing or drifted setting; empty when ready.
pub fn problems(aws: &Aws, env: &infra::Environment) -> Result<Vec<String>> {
    let bucket = expect::buckets(env)
        .into_iter()
        .find(|b| b.purpose == "state")
        .expect("state bucket");
    let lock = expect::lock_table(env);
    let (s3c, db) = (aws.s3(), aws.dynamodb());
    aws.block_on(async {
        let mut rows = Vec::new();
        if s3::exists(aws, &s3c, &bucket.name).await? {
            rows.extend(s3::inspect(aws, &s3c, &bucket).await?);
        } else {
            rows.push(Observation::new(&bucket.name, "exists", "yes", "no", true));
        }
        match inspect_table(aws, &db, &lock).await? {
            Some(table) => rows.extend(table),
            None => rows.push(Observation::new(&lock.name, "exists", "yes", "no", true)),
        }
        Ok(rows
            .into_iter()
            .filter(|o| !matches!(o.state, State::Ok | State::Skipped))
            .map(|o| {
                format!(
                    "{} {}: expected {}, found {}",
                    o.resource, o.check, o.expected, o.actual
                )
            })
            .collect())
    })
}
