//! AWS access for the tasks: the standard credential and region chain of `aws-config`
//! (environment variables, profiles, SSO, `AWS_ENDPOINT_URL`) or the local emulator. Both paths
//! are the same code; only the endpoint and credentials differ. One TLS stack: rustls + ring.

use crate::local;
use crate::project::Project;
use anyhow::{anyhow, bail, Result};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use infra::Environment;
use std::future::Future;
use std::time::Duration;

/// Clients for one environment, and a description of where they point.
pub struct Aws {
    pub config: SdkConfig,
    /// `AWS us-west-2` or the emulator's URL: named in every connection error.
    pub target: String,
    pub local: bool,
    /// The emulator's URL when `local`.
    pub endpoint: Option<String>,
    runtime: tokio::runtime::Runtime,
}

impl Aws {
    /// Connect for `env`: the local emulator when the project says so, else the standard chain
    /// in the environment's region (and its declared profile unless `AWS_PROFILE` is set).
    pub fn connect(p: &Project, env: &Environment) -> Result<Aws> {
        let endpoint = if p.local {
            Some(local::ensure_running(p)?.0)
        } else {
            None
        };
        Aws::with_endpoint(env, endpoint)
    }

    /// Connect for `env` with an explicit emulator endpoint (`None`: real AWS).
    pub fn with_endpoint(env: &Environment, endpoint: Option<String>) -> Result<Aws> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .build_https();
        // Fail fast: an unreachable endpoint is reported within seconds, not minutes.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(4))
            .operation_timeout(Duration::from_secs(8))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        let target = match &endpoint {
            Some(url) => {
                loader = loader.endpoint_url(url).credentials_provider(
                    aws_sdk_s3::config::Credentials::new("test", "test", None, None, "mht-local"),
                );
                format!("the local emulator at {url}")
            }
            None => {
                if let (Some(profile), None) = (&env.profile, std::env::var_os("AWS_PROFILE")) {
                    loader = loader.profile_name(profile);
                }
                match std::env::var("AWS_ENDPOINT_URL") {
                    Ok(url) if !url.is_empty() => format!("{url} (AWS_ENDPOINT_URL)"),
                    _ => format!("AWS {}", env.region),
                }
            }
        };
        let config = runtime.block_on(loader.load());
        Ok(Aws {
            config,
            target,
            local: endpoint.is_some(),
            endpoint,
            runtime,
        })
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.local)
            .build();
        aws_sdk_s3::Client::from_conf(conf)
    }

    pub fn sqs(&self) -> aws_sdk_sqs::Client {
        aws_sdk_sqs::Client::new(&self.config)
    }

    pub fn dynamodb(&self) -> aws_sdk_dynamodb::Client {
        aws_sdk_dynamodb::Client::new(&self.config)
    }

    pub fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.config)
    }

    /// Refuse unless the credentials belong to the account the environment declares.
    /// Returns the caller's ARN.
    pub fn guard_account(&self, env: &Environment) -> Result<String> {
        let sts = aws_sdk_sts::Client::new(&self.config);
        let who = self
            .block_on(sts.get_caller_identity().send())
            .map_err(|e| self.error("sts:GetCallerIdentity", e))?;
        let account = who.account().unwrap_or_default();
        let arn = who.arn().unwrap_or_default().to_string();
        if account != env.account_id {
            bail!(
                "refusing to act on `{}`: the credentials are for account `{account}` ({arn}), but `{}` declares account `{}`; use that account's credentials (AWS_PROFILE) or fix `account` in infra/src/environments.rs",
                env.name,
                env.name,
                env.account_id
            );
        }
        Ok(arn)
    }

    /// A clear error for a failed call: unreachable endpoint, access denied, or the service's
    /// own code and message.
    pub fn error<E>(&self, call: &str, err: SdkError<E, HttpResponse>) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
                let detail = aws_sdk_s3::error::DisplayErrorContext(&err).to_string();
                if detail.contains("credential") {
                    anyhow!(
                        "{call}: no usable AWS credentials for {}: set AWS_PROFILE (or run `aws sso login`), or use --local for the emulator ({})",
                        self.target,
                        detail.lines().next().unwrap_or_default()
                    )
                } else {
                    anyhow!("{call}: cannot reach {}: {detail}", self.target)
                }
            }
            SdkError::ServiceError(s) => {
                let e = s.err();
                let Some(code) = e.code() else {
                    let body = s
                        .raw()
                        .body()
                        .bytes()
                        .map(String::from_utf8_lossy)
                        .unwrap_or_default();
                    let body: String = body.chars().take(300).collect();
                    return anyhow!(
                        "{call}: HTTP {} from {}: {body}",
                        s.raw().status().as_u16(),
                        self.target
                    );
                };
                let message = e.message().unwrap_or_default();
                if code.contains("AccessDenied") || code == "Forbidden" {
                    anyhow!("{call}: access denied by {} ({code}: {message}); check that the credentials may do this", self.target)
                } else {
                    anyhow!("{call}: {code}: {message}")
                }
            }
            _ => anyhow!(
                "{call} against {}: {}",
                self.target,
                aws_sdk_s3::error::DisplayErrorContext(&err)
            ),
        }
    }
}

/// The service error code of a failed call, if the service answered.
pub fn code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> Option<&str> {
    match err {
        SdkError::ServiceError(s) => s.err().code(),
        _ => None,
    }
}

/// Whether a failed call failed with one of these service error codes.
pub fn is_code<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>, codes: &[&str]) -> bool {
    code(err).is_some_and(|c| codes.contains(&c))
}

/// The body of the response a failed call got, if any.
pub fn raw_body<E>(err: &SdkError<E, HttpResponse>) -> Option<String> {
    let raw = match err {
        SdkError::ServiceError(s) => s.raw(),
        SdkError::ResponseError(r) => r.raw(),
        _ => return None,
    };
    raw.body()
        .bytes()
        .map(|b| String::from_utf8_lossy(b).into_owned())
}

/// The HTTP status of a failed call, if the service answered.
pub fn status<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    match err {
        SdkError::ServiceError(s) => Some(s.raw().status().as_u16()),
        _ => None,
    }
}

impl Aws {
    /// The ID of the hosted zone `name` on the emulator, created when missing. (On AWS the
    /// shared zone exists and its ID is in the model.)
    pub fn emulator_zone(&self, name: &str) -> Result<String> {
        let r53 = aws_sdk_route53::Client::new(&self.config);
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        self.block_on(async {
            let zones = r53
                .list_hosted_zones_by_name()
                .dns_name(&fqdn)
                .send()
                .await
                .map_err(|e| self.error("route53:ListHostedZonesByName", e))?;
            if let Some(z) = zones.hosted_zones().iter().find(|z| z.name() == fqdn) {
                return Ok(z.id().trim_start_matches("/hostedzone/").to_string());
            }
            let created = r53
                .create_hosted_zone()
                .name(&fqdn)
                .caller_reference(crate::report::run_id())
                .send()
                .await
                .map_err(|e| self.error("route53:CreateHostedZone", e))?;
            Ok(created
                .hosted_zone()
                .map(|z| z.id().trim_start_matches("/hostedzone/").to_string())
                .unwrap_or_default())
        })
    }
}
