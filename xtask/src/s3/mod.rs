//! A bucket's live settings against its expected state (`infra::expect::Bucket`): read them
//! all concurrently, and write the ones that are absent (or, when asked, different).
//! `setup-backend` (through `crate::backend`) and `test-s3` share this code; each setting is a
//! [`BucketSetting`], read, described and written in its own module under `settings/`.

mod settings;

pub use settings::BucketSetting;

use crate::aws::{self, Aws};
use anyhow::{bail, Result};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_s3::Client;
use futures_util::future::join_all;
use infra::expect::Bucket;

/// What a check the local emulator cannot answer reports.
pub const UNSUPPORTED: &str = "not implemented by the local emulator";

/// Why the TLS-only policy is neither written nor checked on the local emulator: moto
/// ignores the `Bool` condition on `aws:SecureTransport`, so the deny would refuse every object
/// request (Terraform's state writes included).
pub const NO_CONDITIONS: &str =
    "not enforceable on the local emulator (it ignores policy conditions)";

/// How a live setting compares with the expected one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Ok,
    /// Cannot be checked on this target (a feature the local emulator does not implement).
    Skipped,
    /// Not configured at all: safe to add.
    Absent,
    /// Configured differently: drift, changed only when asked.
    Different,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Skipped => "skipped",
            State::Absent => "absent",
            State::Different => "different",
        }
    }

    /// Whether a run writes the setting: always when absent, when different only to `repair`.
    pub fn wants_fix(self, repair: bool) -> bool {
        self == State::Absent || (repair && self == State::Different)
    }
}

/// One setting of one resource, expected vs. live.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub resource: String,
    pub check: &'static str,
    pub expected: String,
    pub actual: String,
    pub state: State,
}

impl Observation {
    /// A setting compared by value; `absent` says whether a mismatch means "never configured".
    pub fn new(
        resource: &str,
        check: &'static str,
        expected: impl Into<String>,
        actual: impl Into<String>,
        absent: bool,
    ) -> Observation {
        let (expected, actual) = (expected.into(), actual.into());
        let state = if expected == actual {
            State::Ok
        } else if absent {
            State::Absent
        } else {
            State::Different
        };
        Observation {
            resource: resource.to_string(),
            check,
            expected,
            actual,
            state,
        }
    }

    /// A setting this target cannot check, and `why`.
    pub fn skipped(
        resource: &str,
        check: &'static str,
        expected: impl Into<String>,
        why: &str,
    ) -> Observation {
        Observation {
            resource: resource.to_string(),
            check,
            expected: expected.into(),
            actual: why.to_string(),
            state: State::Skipped,
        }
    }

    /// Whether the resource exists: absent when it does not.
    pub fn existence(resource: &str, exists: bool) -> Observation {
        Observation::new(
            resource,
            "exists",
            "yes",
            if exists { "yes" } else { "no" },
            true,
        )
    }

    /// Tags: ok when every expected tag is there (others may be too), absent when there are none.
    pub fn tags(
        resource: &str,
        expected: &[(String, String)],
        live: &[(String, String)],
    ) -> Observation {
        let state = if expected.iter().all(|t| live.contains(t)) {
            State::Ok
        } else if live.is_empty() {
            State::Absent
        } else {
            State::Different
        };
        Observation {
            resource: resource.to_string(),
            check: "tags",
            expected: tags_text(expected),
            actual: tags_text(live),
            state,
        }
    }
}

/// `k=v, k=v`, for tables and plans.
pub fn tags_text(tags: &[(String, String)]) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `s3:<op> `<bucket>``: how a failed call is named in errors.
fn call(op: &str, bucket: &str) -> String {
    format!("s3:{op} `{bucket}`")
}

/// Whether the bucket exists and is ours. Errors for a bucket owned by someone else, a
/// bucket in another region, or an unreachable endpoint.
pub async fn exists(aws: &Aws, s3: &Client, name: &str) -> Result<bool> {
    match s3.head_bucket().bucket(name).send().await {
        Ok(_) => Ok(true),
        Err(e) => match aws::status(&e) {
            Some(404) => Ok(false),
            Some(403) => bail!(
                "bucket `{name}` exists but is not accessible at {}: it is owned by another account or the credentials may not read it; bucket names are global, so rename the project or environment if it is not yours",
                aws.target
            ),
            Some(301) => bail!("bucket `{name}` exists in another region than the environment declares"),
            _ => Err(aws.error(&call("HeadBucket", name), e)),
        },
    }
}

/// Create the bucket; a concurrent creation by the same account counts as success.
pub async fn create(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<()> {
    let mut req = s3.create_bucket().bucket(&spec.name);
    if spec.region != "us-east-1" {
        req = req.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(spec.region.as_str()))
                .build(),
        );
    }
    match req.send().await {
        Ok(_) => Ok(()),
        Err(e) if aws::code(&e) == Some("BucketAlreadyOwnedByYou") => Ok(()),
        Err(e) if aws::code(&e) == Some("BucketAlreadyExists") => {
            // Ours (created a moment ago by another run) or someone else's: HEAD tells.
            if exists(aws, s3, &spec.name).await? {
                Ok(())
            } else {
                bail!(
                    "bucket `{}` could not be created: the name is taken",
                    spec.name
                )
            }
        }
        Err(e) => Err(aws.error(&call("CreateBucket", &spec.name), e)),
    }
}

/// Every setting of an existing bucket, read concurrently, with what each observed (the
/// bucket policy observes its TLS deny and each log delivery grant apart).
async fn inspect_each(
    aws: &Aws,
    s3: &Client,
    spec: &Bucket,
) -> Result<Vec<(BucketSetting, Vec<Observation>)>> {
    let read = join_all(
        BucketSetting::INSPECTED
            .iter()
            .map(|s| s.inspect(aws, s3, spec)),
    )
    .await;
    BucketSetting::INSPECTED
        .into_iter()
        .zip(read)
        .map(|(setting, observed)| Ok((setting, observed?)))
        .collect()
}

/// Every setting of an existing bucket against `spec`, read concurrently.
pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Vec<Observation>> {
    Ok(inspect_each(aws, s3, spec)
        .await?
        .into_iter()
        .flat_map(|(_, observed)| observed)
        .collect())
}

/// Create the bucket if needed and write every setting that is absent (and, with `repair`,
/// every one that differs). Returns the observations before the change (whether the bucket
/// existed first) and the calls made.
pub async fn converge(
    aws: &Aws,
    s3: &Client,
    spec: &Bucket,
    repair: bool,
) -> Result<(Vec<Observation>, Vec<String>)> {
    reconcile(aws, s3, spec, repair, true).await
}

/// What [`converge`] would do, changing nothing: the observations (only whether the bucket
/// exists when it does not) and the calls it would make.
pub async fn dry_run(
    aws: &Aws,
    s3: &Client,
    spec: &Bucket,
    repair: bool,
) -> Result<(Vec<Observation>, Vec<String>)> {
    reconcile(aws, s3, spec, repair, false).await
}

async fn reconcile(
    aws: &Aws,
    s3: &Client,
    spec: &Bucket,
    repair: bool,
    write: bool,
) -> Result<(Vec<Observation>, Vec<String>)> {
    let mut observed = BucketSetting::Exists.inspect(aws, s3, spec).await?;
    let mut calls = Vec::new();
    if observed.iter().any(|o| o.state == State::Absent) {
        calls.push(BucketSetting::Exists.describe_fix(spec));
        if !write {
            // Nothing to read yet: a new bucket needs what it does not have by default.
            calls.extend(
                BucketSetting::INSPECTED
                    .iter()
                    .filter(|s| s.needed_on_new(spec))
                    .map(|s| s.describe_fix(spec)),
            );
            return Ok((observed, calls));
        }
        BucketSetting::Exists.fix(aws, s3, spec).await?;
    }
    for (setting, before) in inspect_each(aws, s3, spec).await? {
        if before.iter().any(|o| o.state.wants_fix(repair)) {
            if write {
                setting.fix(aws, s3, spec).await?;
            }
            calls.push(setting.describe_fix(spec));
        }
        observed.extend(before);
    }
    Ok((observed, calls))
}
