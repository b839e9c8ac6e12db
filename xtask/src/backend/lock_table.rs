//! The Terraform lock table: read against `infra::expect::LockTable`, created when missing, its
//! settings written when absent (or, when asked, different).

use super::Mode;
use crate::aws::{self, Aws};
use crate::s3::{tags_text, Observation};
use anyhow::{bail, Result};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, PointInTimeRecoverySpecification,
    PointInTimeRecoveryStatus, ScalarAttributeType, SseSpecification, TableDescription,
    TableStatus, Tag,
};
use aws_sdk_dynamodb::Client;
use infra::expect::LockTable;
use std::time::{Duration, Instant};

/// The setting a new table gets after its creation.
const PITR: &str = "point-in-time recovery";

fn on_off(b: bool) -> &'static str {
    if b {
        "on"
    } else {
        "off"
    }
}

/// `dynamodb:<op> `<table>``: how a failed call is named in errors.
fn call(op: &str, table: &str) -> String {
    format!("dynamodb:{op} `{table}`")
}

/// The table once it is ACTIVE (another run may be creating it); `None` when it does not exist.
async fn describe_ready(aws: &Aws, db: &Client, t: &str) -> Result<Option<TableDescription>> {
    let mut waited = false;
    loop {
        let table = match db.describe_table().table_name(t).send().await {
            Ok(r) => r
                .table
                .unwrap_or_else(|| TableDescription::builder().build()),
            Err(e) if aws::is_code(&e, &["ResourceNotFoundException"]) => return Ok(None),
            Err(e) => return Err(aws.error(&call("DescribeTable", t), e)),
        };
        if waited || table.table_status() == Some(&TableStatus::Active) {
            return Ok(Some(table));
        }
        wait_active(aws, db, t).await?;
        waited = true;
    }
}

/// `LockID HASH S`, one entry per key.
fn key_schema(table: &TableDescription) -> String {
    table
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
        .join(", ")
}

/// Every setting of the lock table against `spec`; `None` when the table does not exist.
async fn inspect(aws: &Aws, db: &Client, spec: &LockTable) -> Result<Option<Vec<Observation>>> {
    let t = spec.name.as_str();
    let Some(table) = describe_ready(aws, db, t).await? else {
        return Ok(None);
    };
    let (backups, tags) = tokio::join!(
        db.describe_continuous_backups().table_name(t).send(),
        db.list_tags_of_resource()
            .resource_arn(table.table_arn().unwrap_or_default())
            .send(),
    );
    let backups = backups.map_err(|e| aws.error(&call("DescribeContinuousBackups", t), e))?;
    let tags = tags.map_err(|e| aws.error(&call("ListTagsOfResource", t), e))?;
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
    Ok(Some(observations(spec, &table, pitr, &live_tags)))
}

/// The table's settings as read, against `spec`.
fn observations(
    spec: &LockTable,
    table: &TableDescription,
    pitr: bool,
    live_tags: &[(String, String)],
) -> Vec<Observation> {
    let t = spec.name.as_str();
    let billing = table
        .billing_mode_summary()
        .and_then(|b| b.billing_mode())
        .map(|b| b.as_str())
        .unwrap_or("PROVISIONED");
    let expected_billing = if spec.on_demand {
        "PAY_PER_REQUEST"
    } else {
        "PROVISIONED"
    };
    let sse = table.sse_description().and_then(|s| s.status());
    let sse_on = matches!(sse.map(|s| s.as_str()), Some("ENABLED" | "ENABLING"));
    let protected = table.deletion_protection_enabled() == Some(true);
    let key = format!("{} HASH S", spec.hash_key);
    vec![
        Observation::new(t, "key schema", key, key_schema(table), false),
        Observation::new(t, "billing mode", expected_billing, billing, false),
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
            PITR,
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
        Observation::tags(t, &spec.tags, live_tags),
    ]
}

/// The call that sets `check` on the table, for plans and dry runs.
fn describe_fix(spec: &LockTable, check: &str) -> String {
    let t = &spec.name;
    let pitr = on_off(spec.point_in_time_recovery);
    let protection = on_off(spec.deletion_protection);
    match check {
        "exists" => format!(
            "dynamodb:CreateTable `{t}` ({} HASH S, on-demand, encrypted, \
             deletion protection {protection}, tags), then wait until ACTIVE",
            spec.hash_key,
        ),
        PITR => format!("dynamodb:UpdateContinuousBackups `{t}` point-in-time recovery {pitr}"),
        "billing mode" => format!("dynamodb:UpdateTable `{t}` billing PAY_PER_REQUEST"),
        "encryption" => format!("dynamodb:UpdateTable `{t}` SSE enabled"),
        "deletion protection" => {
            format!("dynamodb:UpdateTable `{t}` deletion protection {protection}")
        }
        "tags" => format!("dynamodb:TagResource `{t}` {}", tags_text(&spec.tags)),
        other => format!("`{other}` of `{t}` cannot be changed in place"),
    }
}

/// The spec's tags for a request; `None` when there are none.
fn tags(spec: &LockTable) -> Result<Option<Vec<Tag>>> {
    let tags = spec
        .tags
        .iter()
        .map(|(k, v)| Ok(Tag::builder().key(k).value(v).build()?))
        .collect::<Result<Vec<_>>>()?;
    Ok((!tags.is_empty()).then_some(tags))
}

async fn create(aws: &Aws, db: &Client, spec: &LockTable) -> Result<()> {
    let req = db
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
        .deletion_protection_enabled(spec.deletion_protection)
        .set_tags(tags(spec)?);
    match req.send().await {
        Ok(_) => Ok(()),
        // Created a moment ago by a concurrent run.
        Err(e) if aws::is_code(&e, &["ResourceInUseException"]) => Ok(()),
        Err(e) => Err(aws.error(&call("CreateTable", &spec.name), e)),
    }
}

async fn wait_active(aws: &Aws, db: &Client, name: &str) -> Result<()> {
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
            .map_err(|e| aws.error(&call("DescribeTable", name), e))?
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

async fn set_point_in_time_recovery(aws: &Aws, db: &Client, spec: &LockTable) -> Result<()> {
    let pitr = PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(spec.point_in_time_recovery)
        .build()?;
    db.update_continuous_backups()
        .table_name(&spec.name)
        .point_in_time_recovery_specification(pitr)
        .send()
        .await
        .map_err(|e| aws.error(&call("UpdateContinuousBackups", &spec.name), e))?;
    Ok(())
}

async fn tag(aws: &Aws, db: &Client, spec: &LockTable) -> Result<()> {
    let t = spec.name.as_str();
    let arn = db
        .describe_table()
        .table_name(t)
        .send()
        .await
        .map_err(|e| aws.error(&call("DescribeTable", t), e))?
        .table
        .and_then(|d| d.table_arn)
        .unwrap_or_default();
    db.tag_resource()
        .resource_arn(arn)
        .set_tags(tags(spec)?)
        .send()
        .await
        .map_err(|e| aws.error(&call("TagResource", t), e))?;
    Ok(())
}

/// Write one setting of the table as `spec` says.
async fn fix(aws: &Aws, db: &Client, spec: &LockTable, check: &str) -> Result<()> {
    let t = spec.name.as_str();
    let update = db.update_table().table_name(t);
    let update = match check {
        PITR => return set_point_in_time_recovery(aws, db, spec).await,
        "tags" => return tag(aws, db, spec).await,
        "billing mode" => update.billing_mode(BillingMode::PayPerRequest),
        "encryption" => {
            update.sse_specification(SseSpecification::builder().enabled(spec.encryption).build())
        }
        "deletion protection" => update.deletion_protection_enabled(spec.deletion_protection),
        other => bail!(
            "`{other}` of table `{t}` cannot be changed in place; \
             a table with another key schema must be recreated by hand"
        ),
    };
    update
        .send()
        .await
        .map_err(|e| aws.error(&call("UpdateTable", t), e))?;
    Ok(())
}

/// The table's observations (only whether it exists when it does not) and the calls that bring
/// it to `spec`, made when `mode` writes.
pub async fn converge(
    aws: &Aws,
    db: &Client,
    spec: &LockTable,
    mode: Mode,
) -> Result<(Vec<Observation>, Vec<String>)> {
    let Some(before) = inspect(aws, db, spec).await? else {
        if mode.writes() {
            create(aws, db, spec).await?;
            wait_active(aws, db, &spec.name).await?;
            fix(aws, db, spec, PITR).await?;
        }
        let calls = vec![describe_fix(spec, "exists"), describe_fix(spec, PITR)];
        return Ok((vec![Observation::existence(&spec.name, false)], calls));
    };
    let mut calls = Vec::new();
    for o in before.iter().filter(|o| o.state.wants_fix(mode.repair())) {
        if mode.writes() {
            fix(aws, db, spec, o.check).await?;
        }
        calls.push(describe_fix(spec, o.check));
    }
    Ok((before, calls))
}
