//! A bucket's live settings against its expected state (`infra::expect::Bucket`): read them
//! all concurrently, and write the ones that are absent (or, when asked, different).
//! `setup-backend` and `test-s3` share this code.

use crate::aws::{self, Aws};
use anyhow::{bail, Result};
use aws_sdk_s3::types::{
    BucketLifecycleConfiguration, BucketLocationConstraint, BucketLoggingStatus,
    BucketVersioningStatus, CreateBucketConfiguration, ExpirationStatus,
    IntelligentTieringAccessTier, IntelligentTieringConfiguration, IntelligentTieringStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, LoggingEnabled,
    NoncurrentVersionExpiration, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, Tag, Tagging, Tiering, Transition,
    TransitionStorageClass, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use infra::expect::{self, Bucket, Lifecycle};
use infra::model::IntelligentTiering;

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

fn tiering_text(t: &Option<IntelligentTiering>) -> String {
    match t {
        Some(t) => format!(
            "archive {}d, deep archive {}d",
            t.archive_access_days, t.deep_archive_access_days
        ),
        None => "none".into(),
    }
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
            _ => Err(aws.error(&format!("s3:HeadBucket `{name}`"), e)),
        },
    }
}

/// Every setting of an existing bucket against `spec`, read concurrently.
pub async fn inspect(aws: &Aws, s3: &Client, spec: &Bucket) -> Result<Vec<Observation>> {
    let b = spec.name.as_str();
    let call = |op: &str| format!("s3:{op} `{b}`");
    let (
        location,
        versioning,
        encryption,
        pab,
        ownership,
        policy,
        lifecycle,
        tiering,
        logging,
        tagging,
    ) = tokio::join!(
        s3.get_bucket_location().bucket(b).send(),
        s3.get_bucket_versioning().bucket(b).send(),
        s3.get_bucket_encryption().bucket(b).send(),
        s3.get_public_access_block().bucket(b).send(),
        s3.get_bucket_ownership_controls().bucket(b).send(),
        s3.get_bucket_policy().bucket(b).send(),
        s3.get_bucket_lifecycle_configuration().bucket(b).send(),
        s3.list_bucket_intelligent_tiering_configurations()
            .bucket(b)
            .send(),
        s3.get_bucket_logging().bucket(b).send(),
        s3.get_bucket_tagging().bucket(b).send(),
    );
    let mut out = Vec::new();

    let location = location.map_err(|e| aws.error(&call("GetBucketLocation"), e))?;
    let region = match location.location_constraint().map(|c| c.as_str()) {
        None | Some("") => "us-east-1".to_string(),
        Some(r) => r.to_string(),
    };
    out.push(Observation::new(
        &spec.name,
        "region",
        spec.region.clone(),
        region,
        false,
    ));

    let status = match versioning {
        Ok(v) => v.status().cloned(),
        Err(e) => match aws::raw_body(&e).filter(|b| b.contains("<GetBucketVersioningResponse")) {
            // moto wraps the answer in a `GetBucketVersioningResponse` element, which the SDK
            // cannot parse (AWS sends `VersioningConfiguration`): read the status from the body.
            Some(body) => body
                .split_once("<Status>")
                .and_then(|(_, rest)| rest.split_once("</Status>"))
                .map(|(status, _)| BucketVersioningStatus::from(status)),
            None => return Err(aws.error(&call("GetBucketVersioning"), e)),
        },
    };
    let (actual, never) = match status {
        Some(BucketVersioningStatus::Enabled) => ("Enabled", false),
        Some(BucketVersioningStatus::Suspended) => ("Suspended", false),
        _ => ("never enabled", true),
    };
    let expected = if spec.versioning {
        "Enabled"
    } else {
        "not enabled"
    };
    let actual = if !spec.versioning && actual != "Enabled" {
        "not enabled"
    } else {
        actual
    };
    out.push(Observation::new(
        &spec.name,
        "versioning",
        expected,
        actual,
        never,
    ));

    let actual = match encryption {
        Ok(r) => r
            .server_side_encryption_configuration()
            .and_then(|c| c.rules().first())
            .and_then(|r| r.apply_server_side_encryption_by_default())
            .map(|d| d.sse_algorithm().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) if aws::is_code(&e, &["ServerSideEncryptionConfigurationNotFoundError"]) => {
            "none".into()
        }
        Err(e) => return Err(aws.error(&call("GetBucketEncryption"), e)),
    };
    let none = actual == "none";
    out.push(Observation::new(
        &spec.name,
        "encryption",
        spec.sse_algorithm,
        actual,
        none,
    ));

    let actual = match pab {
        Ok(r) => match r.public_access_block_configuration() {
            Some(c) => {
                let flags = [
                    ("BlockPublicAcls", c.block_public_acls()),
                    ("IgnorePublicAcls", c.ignore_public_acls()),
                    ("BlockPublicPolicy", c.block_public_policy()),
                    ("RestrictPublicBuckets", c.restrict_public_buckets()),
                ];
                let off: Vec<&str> = flags
                    .iter()
                    .filter(|(_, v)| *v != Some(true))
                    .map(|(n, _)| *n)
                    .collect();
                if off.is_empty() {
                    "all four on".to_string()
                } else {
                    format!("off: {}", off.join(", "))
                }
            }
            None => "none".into(),
        },
        Err(e) if aws::is_code(&e, &["NoSuchPublicAccessBlockConfiguration"]) => "none".into(),
        Err(e) => return Err(aws.error(&call("GetPublicAccessBlock"), e)),
    };
    let none = actual == "none";
    let expected = if spec.block_public_access {
        "all four on"
    } else {
        "none"
    };
    out.push(Observation::new(
        &spec.name,
        "public access block",
        expected,
        actual,
        none,
    ));

    let actual = match ownership {
        Ok(r) => r
            .ownership_controls()
            .and_then(|c| c.rules().first())
            .map(|r| r.object_ownership().as_str().to_string())
            .unwrap_or_else(|| "none".into()),
        Err(e) if aws::is_code(&e, &["OwnershipControlsNotFoundError"]) => "none".into(),
        Err(e) => return Err(aws.error(&call("GetBucketOwnershipControls"), e)),
    };
    let none = actual == "none";
    out.push(Observation::new(
        &spec.name,
        "object ownership",
        spec.object_ownership,
        actual,
        none,
    ));

    let doc: Option<serde_json::Value> = match policy {
        Ok(r) => Some(serde_json::from_str(r.policy().unwrap_or("{}")).unwrap_or_default()),
        Err(e) if aws::is_code(&e, &["NoSuchBucketPolicy"]) => None,
        Err(e) => return Err(aws.error(&call("GetBucketPolicy"), e)),
    };
    let says = |yes: bool, what: &str| {
        if yes {
            what.to_string()
        } else {
            format!("not {what}")
        }
    };
    let none = doc.is_none();
    let tls = match &doc {
        Some(doc) => says(expect::denies_insecure_transport(doc, b), "denies non-TLS"),
        None => "no policy".to_string(),
    };
    if aws.local && spec.tls_only {
        out.push(Observation {
            resource: spec.name.clone(),
            check: "TLS-only policy",
            expected: says(spec.tls_only, "denies non-TLS"),
            actual: NO_CONDITIONS.into(),
            state: State::Skipped,
        });
    } else {
        out.push(Observation::new(
            &spec.name,
            "TLS-only policy",
            says(spec.tls_only, "denies non-TLS"),
            tls,
            none,
        ));
    }
    for source in &spec.log_sources {
        let delivery = match &doc {
            Some(doc) => says(
                expect::allows_log_delivery(doc, b, source),
                "allows log delivery",
            ),
            None => "no policy".to_string(),
        };
        out.push(Observation::new(
            &spec.name,
            "log delivery policy",
            "allows log delivery",
            delivery,
            none,
        ));
    }

    let (actual, none) = match lifecycle {
        Ok(r) => (lifecycle_of(r.rules()).describe(), r.rules().is_empty()),
        Err(e) if aws::is_code(&e, &["NoSuchLifecycleConfiguration"]) => ("none".to_string(), true),
        Err(e) => return Err(aws.error(&call("GetBucketLifecycleConfiguration"), e)),
    };
    out.push(Observation::new(
        &spec.name,
        "lifecycle",
        spec.lifecycle.describe(),
        actual,
        none,
    ));

    match tiering {
        Ok(tiering) => {
            let configs = tiering.intelligent_tiering_configuration_list();
            let live = configs
                .iter()
                .find(|c| c.status() == &IntelligentTieringStatus::Enabled)
                .map(|c| {
                    let days = |tier: IntelligentTieringAccessTier| {
                        c.tierings()
                            .iter()
                            .find(|t| t.access_tier() == &tier)
                            .map(|t| t.days() as u32)
                            .unwrap_or(0)
                    };
                    IntelligentTiering {
                        archive_access_days: days(IntelligentTieringAccessTier::ArchiveAccess),
                        deep_archive_access_days: days(
                            IntelligentTieringAccessTier::DeepArchiveAccess,
                        ),
                    }
                });
            out.push(Observation::new(
                &spec.name,
                "intelligent tiering",
                tiering_text(&spec.intelligent_tiering),
                tiering_text(&live),
                configs.is_empty(),
            ));
        }
        // moto has no Intelligent-Tiering configurations: say so rather than guess.
        Err(_) if aws.local => out.push(Observation {
            resource: spec.name.clone(),
            check: "intelligent tiering",
            expected: tiering_text(&spec.intelligent_tiering),
            actual: UNSUPPORTED.into(),
            state: State::Skipped,
        }),
        Err(e) => return Err(aws.error(&call("ListBucketIntelligentTieringConfigurations"), e)),
    }

    let logging = logging.map_err(|e| aws.error(&call("GetBucketLogging"), e))?;
    let actual = logging
        .logging_enabled()
        .map(|l| l.target_bucket().to_string())
        .unwrap_or_else(|| "off".into());
    let none = actual == "off";
    out.push(Observation::new(
        &spec.name,
        "access logging",
        spec.logging_target.clone().unwrap_or_else(|| "off".into()),
        actual,
        none,
    ));

    let live_tags: Vec<(String, String)> = match tagging {
        Ok(r) => r
            .tag_set()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect(),
        Err(e) if aws::is_code(&e, &["NoSuchTagSet", "NoSuchTagSetError"]) => Vec::new(),
        Err(e) => return Err(aws.error(&call("GetBucketTagging"), e)),
    };
    out.push(Observation::tags(&spec.name, &spec.tags, &live_tags));
    Ok(out)
}

/// The lifecycle the enabled rules of a bucket apply, merged.
fn lifecycle_of(rules: &[LifecycleRule]) -> Lifecycle {
    let mut l = Lifecycle::default();
    for r in rules
        .iter()
        .filter(|r| r.status() == &ExpirationStatus::Enabled)
    {
        for t in r.transitions() {
            l.transitions.push(infra::model::Transition {
                days: t.days().unwrap_or(0) as u32,
                storage_class: t
                    .storage_class()
                    .map(|c| c.as_str().to_string())
                    .unwrap_or_default(),
            });
        }
        if let Some(d) = r.expiration().and_then(|e| e.days()) {
            l.expiration_days = Some(d as u32);
        }
        if let Some(d) = r
            .noncurrent_version_expiration()
            .and_then(|e| e.noncurrent_days())
        {
            l.noncurrent_expiration_days = Some(d as u32);
        }
    }
    l.transitions.sort_by_key(|t| t.days);
    l
}

/// The call that sets `check` on the bucket, for plans and dry runs.
pub fn describe_fix(spec: &Bucket, check: &str) -> String {
    let b = &spec.name;
    match check {
        "exists" => format!("s3:CreateBucket `{b}` in {}", spec.region),
        "versioning" => format!("s3:PutBucketVersioning `{b}` Enabled"),
        "encryption" => format!("s3:PutBucketEncryption `{b}` {}", spec.sse_algorithm),
        "public access block" => format!("s3:PutPublicAccessBlock `{b}` all four on"),
        "object ownership" => format!(
            "s3:PutBucketOwnershipControls `{b}` {}",
            spec.object_ownership
        ),
        "TLS-only policy" | "log delivery policy" => format!(
            "s3:PutBucketPolicy `{b}` deny non-TLS{}",
            if spec.log_sources.is_empty() {
                ""
            } else {
                ", allow log delivery"
            }
        ),
        "lifecycle" => format!(
            "s3:PutBucketLifecycleConfiguration `{b}` {}",
            spec.lifecycle.describe()
        ),
        "intelligent tiering" => format!(
            "s3:PutBucketIntelligentTieringConfiguration `{b}` {}",
            tiering_text(&spec.intelligent_tiering)
        ),
        "access logging" => format!(
            "s3:PutBucketLogging `{b}` → {}",
            spec.logging_target.as_deref().unwrap_or("off")
        ),
        "tags" => format!(
            "s3:PutBucketTagging `{b}` {} (existing tags kept)",
            tags_text(&spec.tags)
        ),
        other => format!("`{other}` of `{b}` cannot be changed in place"),
    }
}

/// The settings a new bucket needs written to match `spec`.
pub fn needed_on_new(spec: &Bucket) -> Vec<&'static str> {
    [
        ("versioning", spec.versioning),
        ("encryption", true),
        ("public access block", spec.block_public_access),
        ("object ownership", true),
        ("TLS-only policy", spec.tls_only),
        ("lifecycle", !spec.lifecycle.is_empty()),
        ("intelligent tiering", spec.intelligent_tiering.is_some()),
        ("access logging", spec.logging_target.is_some()),
        ("tags", !spec.tags.is_empty()),
    ]
    .into_iter()
    .filter_map(|(check, needed)| needed.then_some(check))
    .collect()
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
        Err(e) => Err(aws.error(&format!("s3:CreateBucket `{}`", spec.name), e)),
    }
}

/// Write one setting of the bucket as `spec` says.
pub async fn fix(aws: &Aws, s3: &Client, spec: &Bucket, check: &str) -> Result<()> {
    let b = spec.name.as_str();
    let fail = |op: &str| format!("s3:{op} `{b}`");
    match check {
        "versioning" => {
            let status = if spec.versioning {
                BucketVersioningStatus::Enabled
            } else {
                BucketVersioningStatus::Suspended
            };
            s3.put_bucket_versioning()
                .bucket(b)
                .versioning_configuration(VersioningConfiguration::builder().status(status).build())
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketVersioning"), e))?;
        }
        "encryption" => {
            let default = ServerSideEncryptionByDefault::builder()
                .sse_algorithm(ServerSideEncryption::from(spec.sse_algorithm))
                .build()?;
            let rule = ServerSideEncryptionRule::builder()
                .apply_server_side_encryption_by_default(default)
                .build();
            s3.put_bucket_encryption()
                .bucket(b)
                .server_side_encryption_configuration(
                    ServerSideEncryptionConfiguration::builder()
                        .rules(rule)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketEncryption"), e))?;
        }
        "public access block" => {
            let on = spec.block_public_access;
            s3.put_public_access_block()
                .bucket(b)
                .public_access_block_configuration(
                    PublicAccessBlockConfiguration::builder()
                        .block_public_acls(on)
                        .ignore_public_acls(on)
                        .block_public_policy(on)
                        .restrict_public_buckets(on)
                        .build(),
                )
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutPublicAccessBlock"), e))?;
        }
        "object ownership" => {
            let rule = OwnershipControlsRule::builder()
                .object_ownership(ObjectOwnership::from(spec.object_ownership))
                .build()?;
            s3.put_bucket_ownership_controls()
                .bucket(b)
                .ownership_controls(OwnershipControls::builder().rules(rule).build()?)
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketOwnershipControls"), e))?;
        }
        "TLS-only policy" | "log delivery policy" => {
            let mut policy = expect::bucket_policy(spec);
            if aws.local {
                // See NO_CONDITIONS: the emulator would apply the TLS deny to every request.
                if let Some(list) = policy["Statement"].as_array_mut() {
                    list.retain(|s| s["Sid"] != expect::TLS_DENY_SID);
                    if list.is_empty() {
                        return Ok(());
                    }
                }
            }
            s3.put_bucket_policy()
                .bucket(b)
                .policy(policy.to_string())
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketPolicy"), e))?;
        }
        "lifecycle" => {
            let l = &spec.lifecycle;
            let mut rule = LifecycleRule::builder()
                .id(expect::RULE_ID)
                .status(ExpirationStatus::Enabled)
                .filter(LifecycleRuleFilter::builder().prefix("").build());
            for t in &l.transitions {
                rule = rule.transitions(
                    Transition::builder()
                        .days(t.days as i32)
                        .storage_class(TransitionStorageClass::from(t.storage_class.as_str()))
                        .build(),
                );
            }
            if let Some(d) = l.expiration_days {
                rule = rule.expiration(LifecycleExpiration::builder().days(d as i32).build());
            }
            if let Some(d) = l.noncurrent_expiration_days {
                rule = rule.noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(d as i32)
                        .build(),
                );
            }
            s3.put_bucket_lifecycle_configuration()
                .bucket(b)
                .lifecycle_configuration(
                    BucketLifecycleConfiguration::builder()
                        .rules(rule.build()?)
                        .build()?,
                )
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketLifecycleConfiguration"), e))?;
        }
        "intelligent tiering" => {
            let Some(t) = &spec.intelligent_tiering else {
                return Ok(());
            };
            let tier = |days: u32, tier| {
                Tiering::builder()
                    .days(days as i32)
                    .access_tier(tier)
                    .build()
            };
            let config = IntelligentTieringConfiguration::builder()
                .id(expect::RULE_ID)
                .status(IntelligentTieringStatus::Enabled)
                .tierings(tier(
                    t.archive_access_days,
                    IntelligentTieringAccessTier::ArchiveAccess,
                )?)
                .tierings(tier(
                    t.deep_archive_access_days,
                    IntelligentTieringAccessTier::DeepArchiveAccess,
                )?)
                .build()?;
            s3.put_bucket_intelligent_tiering_configuration()
                .bucket(b)
                .id(expect::RULE_ID)
                .intelligent_tiering_configuration(config)
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketIntelligentTieringConfiguration"), e))?;
        }
        "access logging" => {
            let mut status = BucketLoggingStatus::builder();
            if let Some(target) = &spec.logging_target {
                status = status.logging_enabled(
                    LoggingEnabled::builder()
                        .target_bucket(target)
                        .target_prefix(expect::access_log_prefix(b))
                        .build()?,
                );
            }
            s3.put_bucket_logging()
                .bucket(b)
                .bucket_logging_status(status.build())
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketLogging"), e))?;
        }
        "tags" => {
            // Keep tags others added; set ours.
            let mut tags: Vec<(String, String)> =
                match s3.get_bucket_tagging().bucket(b).send().await {
                    Ok(r) => r
                        .tag_set()
                        .iter()
                        .map(|t| (t.key().to_string(), t.value().to_string()))
                        .collect(),
                    Err(_) => Vec::new(),
                };
            tags.retain(|(k, _)| !spec.tags.iter().any(|(sk, _)| sk == k));
            tags.extend(spec.tags.iter().cloned());
            let mut tagging = Tagging::builder();
            for (k, v) in tags {
                tagging = tagging.tag_set(Tag::builder().key(k).value(v).build()?);
            }
            s3.put_bucket_tagging()
                .bucket(b)
                .tagging(tagging.build()?)
                .send()
                .await
                .map_err(|e| aws.error(&fail("PutBucketTagging"), e))?;
        }
        other => bail!(
            "`{other}` of bucket `{b}` cannot be changed in place; recreate the bucket by hand"
        ),
    }
    Ok(())
}

/// Create the bucket if needed and write every setting that is absent (and, with `repair`,
/// every one that differs). Returns the observations before the change and what was done.
pub async fn converge(
    aws: &Aws,
    s3: &Client,
    spec: &Bucket,
    repair: bool,
) -> Result<(Vec<Observation>, Vec<String>)> {
    let mut done = Vec::new();
    if !exists(aws, s3, &spec.name).await? {
        create(aws, s3, spec).await?;
        done.push(describe_fix(spec, "exists"));
    }
    let before = inspect(aws, s3, spec).await?;
    for o in &before {
        let call = describe_fix(spec, o.check);
        // Both policy checks are one call.
        if (o.state == State::Absent || (repair && o.state == State::Different))
            && !done.contains(&call)
        {
            fix(aws, s3, spec, o.check).await?;
            done.push(call);
        }
    }
    Ok((before, done))
}
