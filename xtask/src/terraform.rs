//! Running Terraform offline: a CLI configuration that points at a provider mirror (configured
//! or discovered, never a fixed path) with one shared plugin cache, so the ~700 MB AWS provider
//! is not copied per environment; and the git-ignored override files that aim a root at the
//! local emulator.

use crate::project::Project;
use crate::summary::PlanSummary;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};

/// The CLI configuration this tool writes, relative to the project root (git-ignored).
pub const CLI_CONFIG: &str = ".mht/terraform.tfrc";
/// The shared plugin cache, relative to the project root (git-ignored).
pub const PLUGIN_CACHE: &str = ".mht/plugin-cache";
/// The lock file every `terraform init` of a project takes turns on (git-ignored).
const INIT_LOCK: &str = ".mht/terraform-init.lock";
/// Where a mirror keeps the AWS provider, below the mirror's root.
const AWS_PROVIDER: &str = "registry.terraform.io/hashicorp/aws";

/// Terraform's own implicit local mirror directories, then common places for a machine-wide
/// mirror, searched two levels deep for `registry.terraform.io/hashicorp/aws`.
fn candidate_roots() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| home.as_ref().map(|h| h.join(".local/share")));
    let mut roots = Vec::new();
    roots.extend(home.iter().map(|h| h.join(".terraform.d/plugins")));
    roots.extend(data.iter().map(|d| d.join("terraform/plugins")));
    roots.extend(
        [
            "/usr/local/share/terraform/plugins",
            "/usr/share/terraform/plugins",
        ]
        .map(PathBuf::from),
    );
    roots.extend(["/opt", "/usr/local/share", "/usr/share", "/srv"].map(PathBuf::from));
    roots.extend(home);
    roots
}

fn is_mirror(dir: &Path) -> bool {
    dir.join(AWS_PROVIDER).is_dir()
}

/// A provider mirror: `MHT_TF_PROVIDER_MIRROR`, else the first directory found that holds
/// `registry.terraform.io/hashicorp/aws`.
pub fn find_mirror() -> Result<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("MHT_TF_PROVIDER_MIRROR").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        if !is_mirror(&dir) {
            bail!(
                "MHT_TF_PROVIDER_MIRROR `{}` holds no `{AWS_PROVIDER}`; point it at a directory laid out as `terraform providers mirror` writes",
                dir.display()
            );
        }
        return Ok(Some(dir));
    }
    for root in candidate_roots() {
        if is_mirror(&root) {
            return Ok(Some(root));
        }
        let Ok(entries) = std::fs::read_dir(&root) else {
            continue;
        };
        let mut children: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        children.sort();
        if let Some(found) = children.into_iter().find(|c| is_mirror(c)) {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// How long Terraform waits for a state lock another run holds: `MHT_LOCK_TIMEOUT` (seconds,
/// `90`/`90s`, or minutes, `5m`), else 60 s.
fn lock_timeout() -> Result<String> {
    match std::env::var_os("MHT_LOCK_TIMEOUT").filter(|v| !v.is_empty()) {
        Some(value) => duration(&value),
        None => Ok("60s".into()),
    }
}

/// A Terraform duration from seconds (`90`, `90s`) or minutes (`5m`).
fn duration(value: &std::ffi::OsStr) -> Result<String> {
    let shown = crate::project::shown_os(value);
    let text = value.to_string_lossy();
    let (digits, unit) = match text.strip_suffix(['s', 'm']) {
        Some(digits) => (digits, &text[digits.len()..]),
        None => (&*text, "s"),
    };
    match digits.parse::<u32>() {
        Ok(n) if !digits.starts_with('+') => Ok(format!("{n}{unit}")),
        _ => bail!(
            "MHT_LOCK_TIMEOUT `{}` is not a duration: give seconds (`90` or `90s`) or minutes (`5m`)",
            shown
        ),
    }
}

/// The CLI configuration to run Terraform with: the user's `TF_CLI_CONFIG_FILE` when it
/// exists, else one this tool writes for the mirror it finds (with the shared plugin cache).
/// `None`: no mirror, Terraform uses its registry as usual.
pub fn cli_config(p: &Project) -> Result<Option<PathBuf>> {
    if let Some(file) = std::env::var_os("TF_CLI_CONFIG_FILE").map(PathBuf::from) {
        if file.is_file() && std::env::var_os("MHT_TF_PROVIDER_MIRROR").is_none() {
            return Ok(Some(file));
        }
    }
    let Some(mirror) = find_mirror()? else {
        return Ok(None);
    };
    let cache = p.root.join(PLUGIN_CACHE);
    std::fs::create_dir_all(&cache)
        .with_context(|| format!("cannot create `{}`", cache.display()))?;
    let text = format!(
        "# Written by `cargo xtask`: the provider mirror it found and one shared plugin cache.\n\
         provider_installation {{\n  filesystem_mirror {{\n    path    = {mirror:?}\n    include = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n  direct {{\n    exclude = [\"registry.terraform.io/hashicorp/*\"]\n  }}\n}}\n\
         plugin_cache_dir = {cache:?}\n",
        mirror = mirror.display().to_string(),
        cache = cache.display().to_string(),
    );
    let path = p.root.join(CLI_CONFIG);
    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
        // Written aside and renamed: a Terraform of another environment running at the same
        // time never reads it half-written.
        let aside = path.with_extension(format!("tfrc.{}", std::process::id()));
        std::fs::write(&aside, text)
            .and_then(|()| std::fs::rename(&aside, &path))
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(Some(path))
}

/// `terraform init -backend=false` and `terraform validate` of one root, offline when a mirror
/// is configured or found. Returns Terraform's error diagnostics (empty: valid).
pub fn validate_root(p: &Project, env: &str) -> Result<Vec<String>> {
    // Its own data directory: the root's `.terraform` may hold a backend a deploy configured
    // (an emulator long gone, say), which `init -backend=false` would still try to read.
    let run = Run {
        data_dir: Some(p.root.join(".mht/validate").join(env)),
        ..Run::new(p, env)?
    };
    run.init(&["-backend=false"])?;
    let (_, stdout, _) = run.terraform(&["validate", "-json", "-no-color"])?;
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .with_context(|| format!("`terraform validate -json` of `{env}` printed no JSON"))?;
    Ok(report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["severity"] == "error")
        .map(|d| {
            let at = d["range"]["filename"].as_str().unwrap_or("");
            format!(
                "{}: {} {}",
                at,
                d["summary"].as_str().unwrap_or(""),
                d["detail"].as_str().unwrap_or("")
            )
        })
        .collect())
}

/// The git-ignored override file that aims a root at the local emulator.
pub const EMULATOR_OVERRIDE: &str = "emulator_override.tf.json";

/// Services the roots use, each pointed at the emulator.
const SERVICES: [&str; 18] = [
    "acm",
    "autoscaling",
    "cloudtrail",
    "cloudwatch",
    "dynamodb",
    "ec2",
    "elb",
    "elbv2",
    "iam",
    "kms",
    "lambda",
    "logs",
    "route53",
    "s3",
    "sns",
    "sqs",
    "ssm",
    "sts",
];

/// The override that aims `env`'s root at the emulator at `endpoint`, with the emulator's own
/// ID of the shared hosted zone (the root's local `zone_id`, for the dns module and the import
/// ids of adopted records). Features moto lacks or breaks are switched off here, and only
/// here: CloudTrail (trails by ARN fail), Intelligent-Tiering, the instances' user data (no
/// instance launches from a new launch template version with it), the DLQ redrive-allow policy (never
/// reported back) and the TLS-only deny (moto ignores policy conditions: the bucket policies are
/// the model's, built without it, as `setup-backend` writes them there); `force_destroy` lets the
/// log bucket go with its logs.
pub fn emulator_override(
    env: &infra::Environment,
    endpoint: &str,
    zone_id: &str,
) -> serde_json::Value {
    use serde_json::json;
    let endpoints: serde_json::Map<String, serde_json::Value> = SERVICES
        .iter()
        .map(|s| (s.to_string(), json!(endpoint)))
        .collect();
    // An override's backend block replaces the root's whole block: the root's, plus endpoints.
    let mut backend = infra::render::backend(env);
    backend.extend([
        (
            "endpoints".to_string(),
            json!({"s3": endpoint, "dynamodb": endpoint, "sts": endpoint, "iam": endpoint}),
        ),
        ("use_path_style".to_string(), json!(true)),
        ("skip_credentials_validation".to_string(), json!(true)),
        ("skip_requesting_account_id".to_string(), json!(true)),
        ("skip_metadata_api_check".to_string(), json!(true)),
        ("access_key".to_string(), json!("test")),
        ("secret_key".to_string(), json!("test")),
    ]);
    let buckets: Vec<infra::expect::Bucket> = infra::expect::buckets(env)
        .iter()
        .map(infra::expect::Bucket::on_emulator)
        .collect();
    json!({
        "//": "GENERATED by `cargo xtask` for the local emulator; git-ignored, never commit",
        "terraform": {"backend": {"s3": backend}},
        "provider": {"aws": {
            "access_key": "test",
            "secret_key": "test",
            "s3_use_path_style": true,
            "skip_credentials_validation": true,
            "skip_metadata_api_check": true,
            "endpoints": endpoints,
        }},
        "locals": {"zone_id": zone_id},
        "module": {
            "s3": {
                "intelligent_tiering": null,
                "force_destroy": true,
                "bucket_policies": infra::render::bucket_policies(&buckets),
            },
            "sqs": {"redrive_allow_policy_enabled": false},
            "compute": {"user_data_enabled": false},
            "monitoring": {
                "cloudtrail_enabled": false,
                "budget_enabled": false,
                "discord_subscription_enabled": false,
            },
        },
    })
}

/// Write the emulator override into `env`'s root, or remove it (`None`) so that a run against
/// AWS can never pick up emulator endpoints.
/// What the emulator override switches off, and why (README, "What the emulator cannot show").
pub const EMULATOR_SKIPS: [(&str, &str); 7] = [
    (
        "the CloudTrail trail",
        "moto 5.2 breaks on its bucket policy check",
    ),
    ("S3 Intelligent-Tiering", "moto 5.2 lacks the API"),
    (
        "the instances' user data (Docker, the image at its version, container logs)",
        "moto 5.2 cannot launch from a launch template version made after the first (it stores its user data unparsed); the version is still each group's `Version` tag",
    ),
    ("the DLQ redrive-allow policy", "moto 5.2 breaks on it"),
    (
        "the TLS-only bucket policy deny",
        "moto ignores policy conditions and would deny every request",
    ),
    (
        "the AWS Budgets budget",
        "moto 5.2 lacks DescribeSubscribersForNotification, which Terraform reads",
    ),
    (
        "the alarm → Discord function's topic subscription",
        "moto 5.2 runs a subscribed function in Docker on every publish; the function, its role and permission are created",
    ),
];

pub fn set_emulator_override(
    p: &Project,
    env: &infra::Environment,
    target: Option<(&str, &str)>,
) -> Result<()> {
    let path = p
        .root
        .join(infra::render::root_dir(&env.name))
        .join(EMULATOR_OVERRIDE);
    match target {
        Some((endpoint, zone_id)) => {
            let text = serde_json::to_string_pretty(&emulator_override(env, endpoint, zone_id))?;
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write `{}`", path.display()))
        }
        None => match std::fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove `{}`", path.display())),
        },
    }
}

/// A prepared root: where to run Terraform, and the log its output goes to.
pub struct Run {
    /// The environment whose root this is.
    pub env: String,
    pub dir: PathBuf,
    pub log: PathBuf,
    config: Option<PathBuf>,
    /// The project's lock file that `terraform init`s take turns on (the shared plugin cache).
    init_lock: PathBuf,
    /// `-lock-timeout=<duration>`: how long Terraform waits for a state lock another run holds.
    lock_timeout: String,
    /// Terraform's working data (`TF_DATA_DIR`) when not the root's own `.terraform`.
    data_dir: Option<PathBuf>,
    /// Wall time spent inside Terraform so far (to report the tool's own overhead).
    pub spent: std::cell::Cell<std::time::Duration>,
    /// Input variables given to Terraform (`TF_VAR_<name>`).
    pub vars: Vec<(String, String)>,
}

impl Run {
    /// `terraform <args>` in its own process group: a terminal's Ctrl-C reaches it only through
    /// [`crate::interrupt`], once per press.
    fn command(&self, args: &[&str]) -> std::process::Command {
        use std::os::unix::process::CommandExt;
        let mut cmd = std::process::Command::new("terraform");
        cmd.args(args)
            .process_group(0)
            .stdin(std::process::Stdio::null())
            .current_dir(&self.dir)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0");
        if let Some(config) = &self.config {
            cmd.env("TF_CLI_CONFIG_FILE", config);
        }
        if let Some(data) = &self.data_dir {
            cmd.env("TF_DATA_DIR", data);
        }
        for (name, value) in &self.vars {
            cmd.env(format!("TF_VAR_{name}"), value);
        }
        cmd
    }

    fn append_log(&self, args: &[&str], text: &[u8]) -> Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(&self.log)?;
        writeln!(f, "$ terraform {}", args.join(" "))?;
        f.write_all(text)?;
        Ok(())
    }

    /// Run `terraform <args>`; output goes to the log. Returns the exit code and the output.
    pub fn terraform(&self, args: &[&str]) -> Result<(i32, String, String)> {
        let start = std::time::Instant::now();
        let seen = crate::interrupt::count();
        let out = self
            .command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .and_then(|child| {
                let _interrupts = crate::interrupt::guard();
                let _forward = crate::interrupt::forward_to(child.id(), seen);
                child.wait_with_output()
            });
        self.spent.set(self.spent.get() + start.elapsed());
        let out = match out {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("`terraform` is not on PATH: install Terraform >= 1.6 (see README)")
            }
            Err(e) => return Err(e).context("cannot run terraform"),
        };
        let mut text = out.stdout.clone();
        text.extend_from_slice(&out.stderr);
        self.append_log(args, &text)?;
        Ok((
            out.status.code().unwrap_or(1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&text).into_owned(),
        ))
    }

    /// Like [`Run::terraform`], failing with the end of Terraform's output on a non-zero exit;
    /// returns standard output.
    pub fn must(&self, args: &[&str]) -> Result<String> {
        let (code, stdout, text) = self.terraform(args)?;
        if code != 0 {
            bail!(
                "`terraform {}` failed (log `{}`):\n{}",
                args.join(" "),
                self.log.display(),
                tail(&text, 15)
            );
        }
        Ok(stdout)
    }

    /// `terraform init` with `extra` arguments; a failure that needed the registry says how to
    /// point Terraform at a provider mirror.
    pub fn init(&self, extra: &[&str]) -> Result<()> {
        // Terraform's plugin cache is not safe for concurrent inits (one installs the provider
        // while another reads the half-written directory): every init of this project takes
        // turns on one lock file, whether its environments run in one process (`--all`) or in
        // several (two terminals, CI jobs on one checkout). The lock goes with the file.
        let lock = self.init_lock.display();
        let turn = std::fs::File::create(&self.init_lock)
            .and_then(|f| f.lock().map(|()| f))
            .with_context(|| format!("cannot take the lock `{lock}` that Terraform's inits take turns on; if it is not a file this tool wrote, remove it"))?;
        let mut args = vec!["init", "-input=false", "-no-color"];
        args.extend_from_slice(extra);
        let (code, _, text) = self.terraform(&args)?;
        drop(turn);
        if code != 0 {
            let hint = if self.config.is_none() && text.contains("registry.terraform.io") {
                "; no provider mirror was found: set MHT_TF_PROVIDER_MIRROR or TF_CLI_CONFIG_FILE (README)"
            } else {
                ""
            };
            bail!(
                "`terraform init` failed{hint} (log `{}`):\n{}",
                self.log.display(),
                tail(&text, 15)
            );
        }
        Ok(())
    }

    /// A run in `env`'s generated root, logging to a new file under `.mht/logs/`.
    pub fn new(p: &Project, env: &str) -> Result<Run> {
        let dir = p.root.join(infra::render::root_dir(env));
        if !dir.join("main.tf.json").is_file() {
            bail!(
                "`{}` has no main.tf.json; run `cargo xtask render`",
                dir.display()
            );
        }
        let logs = p.private_dir("logs")?;
        Ok(Run {
            env: env.to_string(),
            dir,
            log: logs.join(format!(
                "{env}-{}.log",
                crate::git::utc_now().replace(':', "")
            )),
            config: cli_config(p)?,
            init_lock: p.root.join(INIT_LOCK),
            lock_timeout: format!("-lock-timeout={}", lock_timeout()?),
            data_dir: None,
            spent: Default::default(),
            vars: Vec::new(),
        })
    }

    /// `terraform plan` into a saved plan file open to its owner only, then its summary.
    pub fn plan(&self, plan_file: &Path) -> Result<PlanSummary> {
        self.plan_with(plan_file, &[])
    }

    /// [`Run::plan`] of deleting every resource of the root (`-destroy`).
    pub fn plan_destroy(&self, plan_file: &Path) -> Result<PlanSummary> {
        self.plan_with(plan_file, &["-destroy"])
    }

    fn plan_with(&self, plan_file: &Path, mode: &[&str]) -> Result<PlanSummary> {
        let out = format!("-out={}", plan_file.display());
        let mut args = vec![
            "plan",
            "-input=false",
            "-no-color",
            &self.lock_timeout,
            "-detailed-exitcode",
            out.as_str(),
        ];
        args.extend_from_slice(mode);
        let (code, _, text) = self.terraform(&args)?;
        if code == 1 {
            bail!(
                "`terraform plan` failed (log `{}`):\n{}",
                self.log.display(),
                tail(&text, 15)
            );
        }
        // Terraform writes it world-readable; it holds state values.
        std::fs::set_permissions(
            plan_file,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .with_context(|| format!("cannot restrict `{}` to its owner", plan_file.display()))?;
        self.show(plan_file)
    }

    /// The summary of a saved plan (`terraform show -json`).
    pub fn show(&self, plan_file: &Path) -> Result<PlanSummary> {
        let plan = plan_file.display().to_string();
        let json = self.must(&["show", "-json", "-no-color", &plan])?;
        let value: serde_json::Value = serde_json::from_str(
            json.lines()
                .rev()
                .find(|l| l.starts_with('{'))
                .unwrap_or("{}"),
        )
        .context("`terraform show -json` printed no JSON")?;
        PlanSummary::from_json(&value)
    }

    /// Why an apply failed: a stale saved plan in words with the fix, else Terraform's errors.
    fn apply_failed(&self, plan_file: &Path, errors: &[String]) -> anyhow::Error {
        if errors.iter().any(|e| e.contains("Saved plan is stale")) {
            return anyhow::anyhow!(
                "the saved plan `{}` is stale: the state of `{}` changed since the plan was made (another deploy or apply ran), so Terraform applied nothing; run `cargo xtask plan {}` again, review it and deploy that plan",
                plan_file.display(),
                self.env,
                self.env
            );
        }
        anyhow::anyhow!(
            "`terraform apply` failed (log `{}`):\n{}",
            self.log.display(),
            errors.join("\n").trim()
        )
    }

    /// Apply a saved plan, driving a progress bar from Terraform's JSON events.
    pub fn apply(&self, plan_file: &Path, total: usize) -> Result<()> {
        use std::io::BufRead;
        let plan = plan_file.display().to_string();
        let args = [
            "apply",
            "-input=false",
            "-json",
            &self.lock_timeout,
            plan.as_str(),
        ];
        let start = std::time::Instant::now();
        let seen = crate::interrupt::count();
        let mut child = self
            .command(&args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .context("cannot run `terraform apply`")?;
        let _interrupts = crate::interrupt::guard();
        let forward = crate::interrupt::forward_to_apply(child.id(), seen);
        let bar = progress_bar(total);
        let mut errors = Vec::new();
        let mut log = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                log.extend_from_slice(line.as_bytes());
                log.push(b'\n');
                let Ok(event) = serde_json::from_str::<serde_json::Value>(&line) else {
                    continue;
                };
                let addr = event["hook"]["resource"]["addr"]
                    .as_str()
                    .unwrap_or_default();
                match event["type"].as_str() {
                    Some("apply_start") => {
                        forward.arm();
                        bar.set_message(addr.to_string());
                    }
                    Some("apply_complete") => bar.inc(1),
                    Some("apply_errored") => errors.push(format!("{addr}: failed")),
                    Some("diagnostic") if event["diagnostic"]["severity"] == "error" => errors
                        .push(format!(
                            "{} {}",
                            event["diagnostic"]["summary"].as_str().unwrap_or_default(),
                            event["diagnostic"]["detail"].as_str().unwrap_or_default()
                        )),
                    _ => {}
                }
            }
        }
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut stderr);
        }
        log.extend_from_slice(stderr.as_bytes());
        self.append_log(&args, &log)?;
        let status = child.wait()?;
        self.spent.set(self.spent.get() + start.elapsed());
        bar.finish_and_clear();
        if !status.success() {
            errors.push(stderr.trim().to_string());
            return Err(self.apply_failed(plan_file, &errors));
        }
        Ok(())
    }
}

/// The tool's progress bar: elapsed time, the bar, done/total and a message.
pub fn progress_bar(total: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Make `env`'s root ready to plan against `aws`: the emulator override written (or removed),
/// then `terraform init` with the environment's backend. Output goes to a log under `.mht/logs/`.
pub fn prepare(p: &Project, env: &infra::Environment, aws: &crate::aws::Aws) -> Result<Run> {
    let run = Run::new(p, &env.name)?;
    match &aws.endpoint {
        Some(endpoint) => {
            let zone = aws.emulator_zone(&env.dns.zone.name)?;
            set_emulator_override(p, env, Some((endpoint, &zone)))?;
            let skipped: Vec<String> = EMULATOR_SKIPS
                .iter()
                .map(|(what, why)| format!("{what} ({why})"))
                .collect();
            eprintln!("skipped on the emulator: {}", skipped.join("; "));
        }
        None => set_emulator_override(p, env, None)?,
    }
    run.init(&["-reconfigure", &run.lock_timeout])?;
    Ok(run)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_timeout_is_seconds_or_minutes_and_nothing_else() {
        let of = |v: &str| duration(std::ffi::OsStr::new(v));
        assert_eq!(of("90").unwrap(), "90s");
        assert_eq!(of("90s").unwrap(), "90s");
        assert_eq!(of("5m").unwrap(), "5m");
        assert_eq!(of("0").unwrap(), "0s");
        for bad in ["5h", "-5", "+5", "1.5m", "90 s", "s", "m", "ten", "5ms"] {
            let e = of(bad).unwrap_err().to_string();
            assert!(
                e.contains(&format!("MHT_LOCK_TIMEOUT `{bad}` is not a duration")),
                "{e}"
            );
        }
        let e = of("5\u{1b}[31m").unwrap_err().to_string();
        assert!(e.contains("`5\\u{1b}[31m`"), "{e}");
    }
}
