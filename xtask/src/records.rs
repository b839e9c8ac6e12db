//! Deployment records: one JSON object per deploy (or destroy), success or failure, in the
//! environment's own state bucket under `deployments/`. `history` lists them; the promotion gate
//! reads the previous environment's.

use crate::aws::Aws;
use anyhow::Result;
use aws_sdk_s3::primitives::ByteStream;
use infra::Environment;
use serde::{Deserialize, Serialize};

/// Key prefix of the records in the state bucket (the model's: its bucket policy lets only the
/// deployers write there).
pub use infra::expect::RECORDS_PREFIX as PREFIX;

/// What a run did to the environment; stored as `deploy` or `destroy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    #[default]
    Deploy,
    Destroy,
    /// Traffic moved back to the previous colour by `rollback`.
    Rollback,
}

impl std::fmt::Display for Action {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Action::Deploy => "deploy",
            Action::Destroy => "destroy",
            Action::Rollback => "rollback",
        })
    }
}

/// How a run ended; stored as `success`, `no changes`, `interrupted` or `failed: <why>`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Outcome {
    Success,
    NoChanges,
    /// Stopped by Ctrl-C or SIGTERM; Terraform was asked to stop gracefully.
    Interrupted,
    /// The first line of the error.
    Failed(String),
}

const FAILED: &str = "failed: ";

impl Outcome {
    /// A failure, told by the first line of `error` and its causes; `Interrupted` when a signal
    /// stopped the run.
    pub fn failed(error: &anyhow::Error) -> Outcome {
        if crate::interrupt::interrupted() {
            return Outcome::Interrupted;
        }
        let text = format!("{error:#}");
        Outcome::Failed(text.lines().next().unwrap_or_default().to_string())
    }

    pub fn succeeded(&self) -> bool {
        matches!(self, Outcome::Success | Outcome::NoChanges)
    }
}

/// A record being filled in has not succeeded (yet).
impl Default for Outcome {
    fn default() -> Outcome {
        Outcome::Failed("not finished".into())
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Success => f.write_str("success"),
            Outcome::NoChanges => f.write_str("no changes"),
            Outcome::Interrupted => f.write_str("interrupted"),
            Outcome::Failed(why) => write!(f, "{FAILED}{why}"),
        }
    }
}

impl From<Outcome> for String {
    fn from(o: Outcome) -> String {
        o.to_string()
    }
}

impl TryFrom<String> for Outcome {
    type Error = String;

    fn try_from(s: String) -> Result<Outcome, String> {
        match s.as_str() {
            "success" => Ok(Outcome::Success),
            "no changes" => Ok(Outcome::NoChanges),
            "interrupted" => Ok(Outcome::Interrupted),
            _ => match s.strip_prefix(FAILED) {
                Some(why) => Ok(Outcome::Failed(why.to_string())),
                None => Err(format!("unknown deployment result `{s}`")),
            },
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub environment: String,
    pub action: Action,
    pub result: Outcome,
    pub commit: String,
    pub started_at: String,
    pub finished_at: String,
    /// The AWS caller's ARN.
    pub caller: String,
    /// The git user, for humans.
    pub user: String,
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    /// Phase name and seconds.
    pub durations: Vec<(String, f64)>,
    /// Set when the promotion gate was overridden: who asked, recorded.
    pub promotion_gate_override: bool,
    /// The version (image tag) taking traffic when the run ended (absent in older records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// What the release did: `blue → green (2.0)`, `rolled 2 instance(s)`, the undo of a shift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

impl Record {
    pub fn succeeded(&self) -> bool {
        self.result.succeeded()
    }
}

/// Store a record in `env`'s state bucket.
pub fn put(aws: &Aws, env: &Environment, record: &Record) -> Result<String> {
    // The time is to the second: two runs in one second (rollbacks back and forth) must not
    // overwrite each other's record, so the key ends on the nanoseconds of the write.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let key = format!(
        "{PREFIX}{}-{}-{}-{nanos:09}.json",
        record.started_at,
        record.action,
        &record.commit[..record.commit.len().min(12)]
    );
    let body = serde_json::to_vec_pretty(record)?;
    aws.block_on(
        aws.s3()
            .put_object()
            .bucket(&env.names.state_bucket)
            .key(&key)
            .content_type("application/json")
            .body(ByteStream::from(body))
            .send(),
    )
    .map_err(|e| {
        aws.error(
            &format!("s3:PutObject `{}/{key}`", env.names.state_bucket),
            e,
        )
    })?;
    Ok(key)
}

/// Every record of `env`, oldest first.
pub fn list(aws: &Aws, env: &Environment) -> Result<Vec<Record>> {
    let s3 = aws.s3();
    let bucket = &env.names.state_bucket;
    aws.block_on(async {
        let mut keys = Vec::new();
        let mut token = None;
        loop {
            let page = s3
                .list_objects_v2()
                .bucket(bucket)
                .prefix(PREFIX)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| {
                    if crate::aws::is_code(&e, &["NoSuchBucket"]) {
                        anyhow::anyhow!(
                            "`{}` has no state bucket `{bucket}` yet, so no records; run `cargo xtask setup-backend {}`",
                            env.name,
                            env.name
                        )
                    } else {
                        aws.error(&format!("s3:ListObjectsV2 `{bucket}/{PREFIX}`"), e)
                    }
                })?;
            keys.extend(
                page.contents()
                    .iter()
                    .filter_map(|o| o.key().map(String::from)),
            );
            token = page.next_continuation_token().map(String::from);
            if token.is_none() {
                break;
            }
        }
        keys.sort();
        let mut records = Vec::new();
        for key in keys {
            let object = s3
                .get_object()
                .bucket(bucket)
                .key(&key)
                .send()
                .await
                .map_err(|e| aws.error(&format!("s3:GetObject `{bucket}/{key}`"), e))?;
            let bytes = object.body.collect().await?.into_bytes();
            match serde_json::from_slice::<Record>(&bytes) {
                Ok(r) => records.push(r),
                Err(e) => eprintln!("warning: skipping unreadable record `{key}`: {e}"),
            }
        }
        records.sort_by(|a, b| a.started_at.cmp(&b.started_at));
        Ok(records)
    })
}

/// Whether `record` was written by one of `env`'s deployers. On the emulator, which has no deploy
/// role, the identity this run uses (`caller`) counts as a deployer too.
pub fn by_deployer(aws: &Aws, env: &Environment, caller: &str, record: &Record) -> bool {
    infra::expect::is_deployer(env, &record.caller) || (aws.local && record.caller == caller)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the first version of `deploy` wrote it (`serde_json::to_vec_pretty`).
    const OLD_FAILED_DEPLOY: &str = r#"{
  "environment": "production",
  "action": "deploy",
  "result": "failed: post-deploy checks failed:",
  "commit": "0123456789abcdef0123456789abcdef01234567",
  "started_at": "2026-01-02T03:04:05Z",
  "finished_at": "2026-01-02T03:09:10Z",
  "caller": "arn:aws:sts::123456789012:assumed-role/ci/deploy",
  "user": "Dev One",
  "add": 3,
  "change": 1,
  "destroy": 0,
  "durations": [
    [
      "plan",
      12.5
    ],
    [
      "apply",
      40.25
    ]
  ],
  "promotion_gate_override": true
}"#;

    #[test]
    fn old_records_parse_and_are_written_back_byte_for_byte() {
        let r: Record = serde_json::from_str(OLD_FAILED_DEPLOY).unwrap();
        assert_eq!(r.action, Action::Deploy);
        assert_eq!(
            r.result,
            Outcome::Failed("post-deploy checks failed:".into())
        );
        assert!(!r.succeeded());
        assert_eq!(r.durations[1], ("apply".to_string(), 40.25));
        let written = serde_json::to_vec_pretty(&r).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), OLD_FAILED_DEPLOY);
    }

    #[test]
    fn every_stored_action_and_result_round_trips() {
        for (action, result, succeeded) in [
            ("deploy", "success", true),
            ("deploy", "no changes", true),
            ("destroy", "success", true),
            ("destroy", "failed: `terraform destroy` failed", false),
            ("rollback", "success", true),
        ] {
            let text = OLD_FAILED_DEPLOY
                .replace(r#""action": "deploy""#, &format!(r#""action": "{action}""#))
                .replace(
                    r#""result": "failed: post-deploy checks failed:""#,
                    &format!(r#""result": "{result}""#),
                );
            let r: Record = serde_json::from_str(&text).unwrap();
            assert_eq!(
                (r.action.to_string(), r.succeeded()),
                (action.into(), succeeded)
            );
            assert_eq!(r.result.to_string(), result);
            assert_eq!(serde_json::to_string_pretty(&r).unwrap(), text);
        }
        let unknown = OLD_FAILED_DEPLOY.replace(r#""action": "deploy""#, r#""action": "import""#);
        assert!(serde_json::from_str::<Record>(&unknown).is_err());
        // A release's record carries its version and what it did, and reads back the same.
        let released = OLD_FAILED_DEPLOY.replace(
            "  \"promotion_gate_override\": true\n",
            "  \"promotion_gate_override\": true,\n  \"version\": \"1.0\",\n  \"release\": \"blue → green (1.0)\"\n",
        );
        let r: Record = serde_json::from_str(&released).unwrap();
        assert_eq!(
            (r.version.as_deref(), r.release.as_deref()),
            (Some("1.0"), Some("blue → green (1.0)"))
        );
        assert_eq!(serde_json::to_string_pretty(&r).unwrap(), released);
        let unknown = OLD_FAILED_DEPLOY.replace("failed: post", "aborted: post");
        assert!(serde_json::from_str::<Record>(&unknown).is_err());
    }

    #[test]
    fn a_failure_keeps_the_first_line_of_the_error_and_its_causes() {
        let e = anyhow::anyhow!("root cause\nmore detail").context("apply failed");
        assert_eq!(
            Outcome::failed(&e),
            Outcome::Failed("apply failed: root cause".into())
        );
        assert!(!Record::default().succeeded());
    }
}
