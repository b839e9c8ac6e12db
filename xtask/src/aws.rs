//! AWS access for the tasks: the standard credential and region chain of `aws-config`
//! (environment variables, profiles, SSO, `AWS_ENDPOINT_URL`) or the local emulator. Both paths
//! are the same code; only the endpoint and credentials differ. One TLS stack: rustls + ring.

use crate::local;
use crate::project::{shown, shown_at_most, Project};
use anyhow::{anyhow, bail, Result};
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::config::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use infra::Environment;
use std::error::Error as StdError;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

/// How long a connection may take before the call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long a call may take, retries included.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

/// The SDK's HTTP client: rustls with ring, through the proxy the environment names
/// (`HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, bypassed for the hosts in `NO_PROXY`), as
/// Terraform and the aws CLI do.
fn http_client() -> aws_sdk_s3::config::SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, Connector};
    aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = Connector::builder()
            .tls_provider(Provider::Rustls(CryptoMode::Ring))
            .proxy_config(ProxyConfig::from_env());
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.build()
    })
}

/// Clients for one environment, and a description of where they point.
pub struct Aws {
    pub config: SdkConfig,
    /// `AWS us-west-2` or the emulator's URL: named in every connection error.
    pub target: String,
    pub local: bool,
    /// The emulator's URL when `local`.
    pub endpoint: Option<String>,
    /// Errors carry the SDK's whole error chain (`--verbose`).
    pub verbose: bool,
    region: String,
    /// The ARN of the role every call assumes, and the environment that declares it.
    role: Option<(String, String)>,
    /// The profile the credentials come from, and why (`AWS_PROFILE`, or the environment's
    /// declared `profile`); named when no credentials can be loaded.
    profile: Option<(String, String)>,
    runtime: tokio::runtime::Runtime,
}

impl Aws {
    /// Connect for `env`: the local emulator when the project says so, else the standard chain
    /// in the environment's region (and its declared profile unless `AWS_PROFILE` is set).
    pub fn connect(p: &Project, env: &Environment) -> Result<Aws> {
        // Environments run at once (`--all`) start one emulator between them, not one each.
        static STARTING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let endpoint = if p.local {
            let _one = STARTING.lock().unwrap_or_else(|e| e.into_inner());
            Some(local::ensure_running(p)?.0)
        } else {
            None
        };
        let mut aws = Aws::with_endpoint(env, endpoint)?;
        aws.verbose = p.verbose;
        Ok(aws)
    }

    /// Connect for `env` with an explicit emulator endpoint (`None`: real AWS).
    pub fn with_endpoint(env: &Environment, endpoint: Option<String>) -> Result<Aws> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let http = http_client();
        // Fail fast: an unreachable endpoint is reported within seconds, not minutes.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .operation_attempt_timeout(OPERATION_TIMEOUT / 2)
            .operation_timeout(OPERATION_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(env.region.clone()))
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        let mut profile = None;
        let target = match &endpoint {
            Some(url) => {
                loader = loader.endpoint_url(url).credentials_provider(
                    aws_sdk_s3::config::Credentials::new("test", "test", None, None, "mht-local"),
                );
                format!("the local emulator at {url}")
            }
            None => {
                match (&env.profile, std::env::var("AWS_PROFILE")) {
                    (_, Ok(named)) if !named.is_empty() => {
                        profile = Some((named, "AWS_PROFILE".to_string()));
                    }
                    (Some(declared), Err(std::env::VarError::NotPresent)) => {
                        loader = loader.profile_name(declared);
                        let why = format!("declared by `{}`", env.name);
                        profile = Some((declared.clone(), why));
                    }
                    _ => {}
                }
                match std::env::var("AWS_ENDPOINT_URL") {
                    Ok(url) if !url.trim().is_empty() => format!("{url} (AWS_ENDPOINT_URL)"),
                    // The SDK would take it for an endpoint and panic on it.
                    Ok(_) => bail!("AWS_ENDPOINT_URL is set but empty; unset it (`unset AWS_ENDPOINT_URL`) to reach AWS, or set it to the endpoint's URL"),
                    Err(_) => format!("AWS {}", env.region),
                }
            }
        };
        let config = runtime.block_on(async {
            let base = loader.load().await;
            match (&env.assume_role, env.role_arn()) {
                (Some(role), Some(arn)) => assuming(base, role, arn).await,
                _ => base,
            }
        });
        Ok(Aws {
            config,
            target,
            local: endpoint.is_some(),
            endpoint,
            verbose: false,
            region: env.region.clone(),
            role: env.role_arn().map(|arn| (arn, env.name.clone())),
            profile,
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

    pub fn ssm(&self) -> aws_sdk_ssm::Client {
        aws_sdk_ssm::Client::new(&self.config)
    }

    pub fn sns(&self) -> aws_sdk_sns::Client {
        aws_sdk_sns::Client::new(&self.config)
    }

    pub fn elb(&self) -> aws_sdk_elasticloadbalancingv2::Client {
        aws_sdk_elasticloadbalancingv2::Client::new(&self.config)
    }

    pub fn autoscaling(&self) -> aws_sdk_autoscaling::Client {
        aws_sdk_autoscaling::Client::new(&self.config)
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
        let (name, declared) = (&env.name, &env.account_id);
        if account != declared {
            let envs = "infra/src/environments.rs";
            match &self.role {
                Some((role, _)) => bail!(
                    "refusing to act on `{name}`: after assuming role `{role}`, the credentials are for account `{account}` ({arn}), but `{name}` declares account `{declared}`; assume a role of account `{declared}` (`assume_role` of `{name}` in {envs}), or fix `account` there"
                ),
                None => bail!(
                    "refusing to act on `{name}`: the credentials are for account `{account}` ({arn}), but `{name}` declares account `{declared}`; use that account's credentials (AWS_PROFILE), declare a role of account `{declared}` to assume (`.assume_role(\"<role name>\")` of `{name}` in {envs}), or fix `account` there"
                ),
            }
        }
        Ok(arn)
    }

    /// A clear error for a failed call: no credentials (naming the profile and the files
    /// searched), an unreachable endpoint (its address and why: refused, timed out, no such
    /// host), an endpoint that is not AWS, access denied, or the service's own code and message.
    /// The SDK's error chain with its debug output is added only with `--verbose`.
    pub fn error<E>(&self, call: &str, err: SdkError<E, HttpResponse>) -> anyhow::Error
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let message = match &err {
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_)
                if causes(&err).to_lowercase().contains("credential") =>
            {
                match &self.role {
                    Some((role, env)) if sts_refused(&err) => {
                        let cause = shown_at_most(&causes(&err), 200);
                        format!(
                            "{call}: cannot assume role `{role}` (declared by `{env}`) at {}: STS refused: {cause}; the role's trust policy must allow the caller sts:AssumeRole (with the external ID, if it requires one), else fix `assume_role` of `{env}` in infra/src/environments.rs",
                            self.target
                        )
                    }
                    _ => self.no_credentials(call, &causes(&err)),
                }
            }
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => format!(
                "{call}: cannot reach {}: {}",
                self.address(call),
                unreachable(&err)
            ),
            SdkError::ServiceError(s) => self.service_error(call, s.err(), s.raw()),
            SdkError::ResponseError(r) => match not_aws(r.raw()) {
                Some(what) => self.not_aws(call, &what),
                None if unimplemented(None, r.raw()).is_some() => {
                    self.unimplemented(call, &unimplemented(None, r.raw()).unwrap_or_default())
                }
                None => format!(
                    "{call}: unreadable answer from {}: {}",
                    self.target,
                    shown_at_most(&causes(&err), 300)
                ),
            },
            _ => format!(
                "{call} against {}: {}",
                self.target,
                shown_at_most(&causes(&err), 300)
            ),
        };
        if self.verbose {
            anyhow!(
                "{message}\n  SDK error (--verbose): {}",
                aws_sdk_s3::error::DisplayErrorContext(&err)
            )
        } else {
            anyhow!(message)
        }
    }

    /// Where a call went: the emulator's or `AWS_ENDPOINT_URL`'s address as `target` names it,
    /// or the service's regional AWS endpoint.
    fn address(&self, call: &str) -> String {
        if self.local || self.target.contains("AWS_ENDPOINT_URL") {
            return self.target.clone();
        }
        let region = &self.region;
        let host = match call.split(':').next().unwrap_or_default() {
            "route53" => "route53.amazonaws.com".to_string(),
            "cloudwatch" => format!("monitoring.{region}.amazonaws.com"),
            service => format!("{service}.{region}.amazonaws.com"),
        };
        format!("{} (https://{host})", self.target)
    }

    fn service_error<E: ProvideErrorMetadata>(
        &self,
        call: &str,
        e: &E,
        raw: &HttpResponse,
    ) -> String {
        if let Some(what) = not_aws(raw).filter(|_| e.code().is_none()) {
            return self.not_aws(call, &what);
        }
        if let Some(answer) = unimplemented(e.code(), raw) {
            return self.unimplemented(call, &answer);
        }
        let Some(code) = e.code() else {
            let body = raw
                .body()
                .bytes()
                .map(String::from_utf8_lossy)
                .unwrap_or_default();
            return format!(
                "{call}: HTTP {} from {}: {}",
                raw.status().as_u16(),
                self.target,
                shown_at_most(&body, 300)
            );
        };
        let message = shown_at_most(e.message().unwrap_or_default(), 300);
        if code.contains("AccessDenied") || code == "Forbidden" {
            format!("{call}: access denied by {} ({code}: {message}); check that the credentials may do this", self.target)
        } else {
            format!("{call}: {code}: {message}")
        }
    }

    /// The endpoint answered the call with something that is not this API's answer: an
    /// emulator without the API, most likely. Names the API and the way out.
    fn unimplemented(&self, call: &str, answer: &str) -> String {
        let api = call.split_whitespace().next().unwrap_or(call);
        let hint = if self.local {
            "the local emulator lacks this API; the tool leaves out the emulator's known gaps, so report this one"
        } else {
            "for a local emulator use --local (with MHT_LOCAL_ENDPOINT=<its URL> for one you run yourself), which leaves out what the emulator lacks; for AWS, check AWS_ENDPOINT_URL"
        };
        format!(
            "{call}: {} does not implement {api}: it answered {answer}; {hint}",
            self.address(call)
        )
    }

    fn not_aws(&self, call: &str, what: &str) -> String {
        let hint = if self.local {
            "check MHT_LOCAL_ENDPOINT, or `cargo xtask local status`"
        } else {
            "check AWS_ENDPOINT_URL and the proxy settings"
        };
        format!(
            "{call}: {} is not an AWS endpoint: it answered {what}; {hint}",
            self.address(call)
        )
    }

    /// No credentials could be loaded: name the profile in use and the files searched for it.
    fn no_credentials(&self, call: &str, causes: &str) -> String {
        let target = &self.target;
        let files = profile_files();
        let listed = files
            .iter()
            .map(ProfileFile::describe)
            .collect::<Vec<_>>()
            .join(" or ");
        let cause = shown_at_most(causes, 200);
        let Some((name, why)) = &self.profile else {
            return format!(
                "{call}: no AWS credentials for {target}: none in the environment (AWS_ACCESS_KEY_ID), no default profile in {listed}, no SSO session and no instance role ({cause}); set AWS_PROFILE to a profile in those files (after `aws sso login` for SSO), or use --local for the emulator"
            );
        };
        let holding: Vec<String> = files
            .iter()
            .filter(|f| f.defines(name))
            .map(|f| format!("`{}`", f.path.display()))
            .collect();
        let name = shown(name);
        if holding.is_empty() {
            format!(
                "{call}: no AWS credentials for {target}: profile `{name}` ({why}) is not defined in {listed}; add it (`aws configure --profile {name}`, or `aws configure sso` for SSO), set AWS_PROFILE to a profile that is defined there, or use --local for the emulator"
            )
        } else {
            format!(
                "{call}: no usable AWS credentials for {target} from profile `{name}` ({why}, defined in {}): {cause}; for an SSO profile run `aws sso login --profile {name}`, else check its keys; or use --local for the emulator",
                holding.join(" and ")
            )
        }
    }
}

/// `base` with credentials of `role` (ARN `arn`), which STS gives for `base`'s credentials: the
/// standard chain's, or the emulator's. They are fetched at the first call and cached until
/// they expire.
async fn assuming(base: SdkConfig, role: &infra::model::AssumeRole, arn: String) -> SdkConfig {
    let mut provider = AssumeRoleProvider::builder(arn).configure(&base);
    if let Some(name) = &role.session_name {
        provider = provider.session_name(name);
    }
    if let Some(id) = &role.external_id {
        provider = provider.external_id(id);
    }
    let provider = SharedCredentialsProvider::new(provider.build().await);
    base.into_builder().credentials_provider(provider).build()
}

/// Whether STS answered the role's `AssumeRole` with an error, as opposed to the base
/// credentials missing or STS being out of reach.
fn sts_refused(err: &(dyn StdError + 'static)) -> bool {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(SdkError::ServiceError(_)) = e.downcast_ref::<SdkError<AssumeRoleError>>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// The error and its causes, each level's message once, without the debug dump.
fn causes(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        // The SDK's wrappers say nothing of the cause ("dispatch failure: other: …").
        let generic = ["dispatch failure", "other", "io error"].contains(&text.as_str());
        if !generic && !parts.last().is_some_and(|last| last.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
}

/// Why a call reached no endpoint: refused, timed out, no such host, TLS, or the cause itself.
fn unreachable<E, R>(err: &SdkError<E, R>) -> String
where
    E: StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    let all = causes(err);
    let timeouts = format!(
        "connect {} s, call {} s",
        CONNECT_TIMEOUT.as_secs(),
        OPERATION_TIMEOUT.as_secs()
    );
    if matches!(err, SdkError::TimeoutError(_)) {
        return format!("timed out: no answer within the time allowed ({timeouts})");
    }
    let mut next: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            match io.kind() {
                ConnectionRefused => {
                    return "connection refused: nothing listens at that address and port".into()
                }
                TimedOut => return format!("timed out connecting ({timeouts})"),
                ConnectionReset | ConnectionAborted => {
                    return "the connection was reset by the other end".into()
                }
                _ => {}
            }
        }
        next = e.source();
    }
    let lower = all.to_lowercase();
    if lower.contains("dns error") {
        format!(
            "the host name does not resolve ({})",
            shown_at_most(&all, 200)
        )
    } else if lower.contains("timed out") || lower.contains("timeout") {
        format!("timed out ({timeouts})")
    } else if lower.contains("certificate") || lower.contains("tls") {
        format!("the TLS handshake failed ({})", shown_at_most(&all, 200))
    } else {
        shown_at_most(&all, 300)
    }
}

/// An answer that says the endpoint does not implement the call: `NotImplemented`, HTTP 501,
/// or a success the SDK could not read as this call's answer (another API's, such as moto's
/// `ListBucketResult` for `ListBucketIntelligentTieringConfigurations`). Describes it.
fn unimplemented(code: Option<&str>, raw: &HttpResponse) -> Option<String> {
    let status = raw.status().as_u16();
    if code == Some("NotImplemented") || status == 501 {
        return Some(format!(
            "HTTP {status} {}",
            code.unwrap_or("Not Implemented")
        ));
    }
    if !raw.status().is_success() || code.is_some() {
        return None;
    }
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    Some(match root_element(&body) {
        Some(root) => format!("HTTP {status} with `<{root}>`, another API's answer"),
        None => format!("HTTP {status} with an answer the SDK cannot read"),
    })
}

/// The name of an XML document's root element.
fn root_element(body: &str) -> Option<&str> {
    let mut rest = body.trim_start();
    while let Some(after) = rest.strip_prefix("<?").or_else(|| rest.strip_prefix("<!")) {
        rest = after.split_once('>')?.1.trim_start();
    }
    let name = rest.strip_prefix('<')?;
    let end = name.find(|c: char| c.is_whitespace() || c == '>' || c == '/')?;
    Some(&name[..end]).filter(|n| !n.is_empty())
}

/// What a response that no AWS service gives looks like (an HTML page), for the message.
fn not_aws(raw: &HttpResponse) -> Option<String> {
    let body = raw
        .body()
        .bytes()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let head = body.trim_start().to_ascii_lowercase();
    let html = raw
        .headers()
        .get("content-type")
        .is_some_and(|t| t.to_ascii_lowercase().contains("text/html"))
        || head.starts_with("<!doctype html")
        || head.starts_with("<html");
    html.then(|| {
        format!(
            "HTTP {} with an HTML page (`{}`)",
            raw.status().as_u16(),
            shown(&body.split_whitespace().collect::<Vec<_>>().join(" "))
        )
    })
}

/// A file the AWS SDKs read profiles from.
struct ProfileFile {
    path: PathBuf,
    /// `~/.aws/config` (sections `[profile name]`, `[default]`) rather than
    /// `~/.aws/credentials` (sections `[name]`).
    config: bool,
}

/// The config and credentials files, where the SDK looks for them: `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`.
fn profile_files() -> Vec<ProfileFile> {
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("~"));
    let file = |var: &str, default: &str, config: bool| ProfileFile {
        path: std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join(default)),
        config,
    };
    vec![
        file("AWS_CONFIG_FILE", "config", true),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials", false),
    ]
}

impl ProfileFile {
    /// Whether a section of the file defines profile `name`.
    fn defines(&self, name: &str) -> bool {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return false;
        };
        text.lines()
            .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
            .map(str::trim)
            .any(|section| match section.strip_prefix("profile") {
                Some(rest) if self.config && rest.starts_with(char::is_whitespace) => {
                    rest.trim() == name
                }
                _ => section == name && (!self.config || name == "default"),
            })
    }

    /// `` `path` `` and, when it is not a readable file, why.
    fn describe(&self) -> String {
        let state = match std::fs::metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => " (does not exist)",
            Err(_) => " (unreadable)",
            Ok(m) if m.is_dir() => " (a directory)",
            Ok(_) => "",
        };
        format!("`{}`{state}", self.path.display())
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
        // Environments prepared at once (`--all`) must find one zone, not create one each.
        static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());
        let _one = CREATING.lock().unwrap_or_else(|e| e.into_inner());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xml_answers_root_element_is_named() {
        let moto = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<ListBucketResult xmlns=\"x\"><Name>b</Name></ListBucketResult>";
        assert_eq!(root_element(moto), Some("ListBucketResult"));
        assert_eq!(root_element("<!-- c --><Error/>"), Some("Error"));
        assert_eq!(root_element("{\"a\": 1}"), None);
        assert_eq!(root_element(""), None);
    }

    #[test]
    fn profiles_are_found_as_the_sdks_read_them() {
        let dir = std::env::temp_dir().join(format!("mht-profiles-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config = ProfileFile {
            path: dir.join("config"),
            config: true,
        };
        let credentials = ProfileFile {
            path: dir.join("credentials"),
            config: false,
        };
        assert!(!config.defines("default"));
        assert!(config.describe().ends_with("(does not exist)"));
        std::fs::write(
            &config.path,
            "[default]\n[profile ops]\nregion = x\n[ profile  dev ]\n[qa]\n[sso-session s]\n",
        )
        .unwrap();
        std::fs::write(&credentials.path, "[ci]\naws_access_key_id = x\n").unwrap();
        for name in ["default", "ops", "dev"] {
            assert!(config.defines(name), "{name}");
        }
        // `[qa]` in the config file is not a profile (the SDKs require `profile qa`).
        for name in ["qa", "sso-session s", "s", "profile"] {
            assert!(!config.defines(name), "{name}");
        }
        assert!(credentials.defines("ci"));
        assert!(!credentials.defines("ops"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
