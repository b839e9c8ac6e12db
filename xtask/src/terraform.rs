//! Running Terraform offline: a CLI configuration that points at a provider mirror (configured
//! or discovered, never a fixed path) with one shared plugin cache, so the ~700 MB AWS provider
//! is not copied per environment; and the git-ignored override files that aim a root at the
//! local emulator.

use crate::project::Project;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use xshell::{cmd, Shell};

/// The CLI configuration this tool writes, relative to the project root (git-ignored).
pub const CLI_CONFIG: &str = ".mht/terraform.tfrc";
/// The shared plugin cache, relative to the project root (git-ignored).
pub const PLUGIN_CACHE: &str = ".mht/plugin-cache";
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
        std::fs::write(&path, text)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    Ok(Some(path))
}

/// A shell in the environment's root with the CLI configuration and automation settings set.
pub fn shell(p: &Project, env: &str) -> Result<Shell> {
    let sh = Shell::new()?;
    let dir = p.root.join(infra::render::root_dir(env));
    if !dir.join("main.tf.json").is_file() {
        bail!(
            "`{}` has no main.tf.json; run `cargo xtask render`",
            dir.display()
        );
    }
    sh.change_dir(&dir);
    if let Some(config) = cli_config(p)? {
        sh.set_var("TF_CLI_CONFIG_FILE", config);
    }
    sh.set_var("TF_IN_AUTOMATION", "1");
    sh.set_var("TF_INPUT", "0");
    Ok(sh)
}

/// `terraform init -backend=false` and `terraform validate` of one root, offline when a mirror
/// is configured or found. Returns Terraform's error diagnostics (empty: valid).
pub fn validate_root(p: &Project, env: &str) -> Result<Vec<String>> {
    let sh = shell(p, env)?;
    let init = cmd!(sh, "terraform init -backend=false -input=false -no-color")
        .ignore_status()
        .quiet()
        .output();
    let init = match init {
        Ok(out) => out,
        Err(e) if e.to_string().contains("No such file") || e.to_string().contains("not found") => {
            bail!("`terraform` is not on PATH: install Terraform >= 1.5 (see README)")
        }
        Err(e) => return Err(e).context("cannot run `terraform init`"),
    };
    if !init.status.success() {
        let stderr = String::from_utf8_lossy(&init.stderr);
        let hint = if stderr.contains("registry.terraform.io") {
            "; no provider mirror was found: set MHT_TF_PROVIDER_MIRROR or TF_CLI_CONFIG_FILE (README)"
        } else {
            ""
        };
        bail!(
            "`terraform init` of `{env}` failed{hint}:\n{}",
            stderr.trim()
        );
    }
    let out = cmd!(sh, "terraform validate -json -no-color")
        .ignore_status()
        .quiet()
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
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
const SERVICES: [&str; 17] = [
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
    "logs",
    "route53",
    "s3",
    "sns",
    "sqs",
    "ssm",
    "sts",
];

/// The override that aims `env`'s root at the emulator at `endpoint`, with the emulator's own
/// ID of the shared hosted zone. Features moto lacks or breaks are switched off here, and only
/// here: CloudTrail (trails by ARN fail), Intelligent-Tiering, the DLQ redrive-allow policy (never
/// reported back) and the TLS-only deny (moto ignores policy conditions); `force_destroy` lets the
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
    json!({
        "//": "GENERATED by `cargo xtask` for the local emulator; git-ignored, never commit",
        "terraform": {"backend": {"s3": {
            "bucket": env.names.state_bucket,
            "key": env.backend.key,
            "region": env.region,
            "dynamodb_table": env.names.lock_table,
            "encrypt": env.backend.encrypt,
            "endpoints": {"s3": endpoint, "dynamodb": endpoint, "sts": endpoint, "iam": endpoint},
            "use_path_style": true,
            "skip_credentials_validation": true,
            "skip_requesting_account_id": true,
            "skip_metadata_api_check": true,
            "access_key": "test",
            "secret_key": "test",
        }}},
        "provider": {"aws": {
            "access_key": "test",
            "secret_key": "test",
            "s3_use_path_style": true,
            "skip_credentials_validation": true,
            "skip_metadata_api_check": true,
            "endpoints": endpoints,
        }},
        "module": {
            "dns": {"zone_id": zone_id},
            "s3": {"intelligent_tiering": null, "force_destroy": true, "deny_insecure_transport": false},
            "sqs": {"redrive_allow_policy_enabled": false},
            "monitoring": {"cloudtrail_enabled": false},
        },
    })
}

/// Write the emulator override into `env`'s root, or remove it (`None`) so that a run against
/// AWS can never pick up emulator endpoints.
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
