//! The project: its root directory, its environments, and which environment a command acts on.

use anyhow::{bail, Context, Result};
use infra::{Environment, EnvironmentBuilder};
use std::path::{Path, PathBuf};

/// The git-ignored file that remembers the environment chosen with `switch`.
pub const STATE_FILE: &str = ".mht/active-env.toml";

#[derive(serde::Serialize, serde::Deserialize)]
struct SwitchState {
    environment: String,
}

/// The workspace this binary was built from (its environment definitions are compiled in).
fn built_root() -> Result<PathBuf> {
    Ok(Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .context("xtask has no parent directory")?
        .to_path_buf())
}

/// Refuse to act when `cargo xtask` runs a binary built from another checkout: two checkouts
/// sharing one target directory get the same artifact (Cargo hashes path packages by their
/// place in the workspace), so the binary would read, render and deploy the other checkout's
/// definitions. `running` is the package directory Cargo names when it runs the binary
/// (`CARGO_MANIFEST_DIR`); a binary started directly has none and is taken as chosen.
pub fn check_checkout(built: &Path, running: Option<PathBuf>) -> Result<()> {
    let Some(running) = running.and_then(|dir| dir.parent().map(Path::to_path_buf)) else {
        return Ok(());
    };
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if !same(built, &running) {
        bail!(
            "refusing to run: this `cargo xtask` binary was built from `{}`, but it runs in `{}`; the two checkouts share one target directory and Cargo reused the other checkout's build, so it would act on that checkout's definitions. Nothing was done. Run `cargo clean -p xtask -p infra` here and run again, or give each checkout its own target directory (unset CARGO_TARGET_DIR, or set it per checkout)",
            built.display(),
            running.display()
        );
    }
    Ok(())
}

pub struct Project {
    pub root: PathBuf,
    env_flag: Option<String>,
    /// Target the local emulator instead of AWS.
    pub local: bool,
}

impl Project {
    /// The repository root: `MHT_ROOT` if set, else the workspace this binary was built from,
    /// after [`check_checkout`].
    pub fn discover() -> Result<Project> {
        let built = built_root()?;
        check_checkout(
            &built,
            std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from),
        )?;
        let root = match std::env::var_os("MHT_ROOT").filter(|v| !v.is_empty()) {
            Some(root) => PathBuf::from(root),
            None => built,
        };
        Ok(Project::at(root))
    }

    /// A project rooted at `root` (tests and tools that know their checkout).
    pub fn at(root: PathBuf) -> Project {
        Project {
            root,
            env_flag: None,
            local: false,
        }
    }

    pub fn with_flags(self, env_flag: Option<String>, local: bool) -> Project {
        Project {
            env_flag,
            local,
            ..self
        }
    }

    /// The definitions of every environment, in promotion order.
    pub fn builders(&self) -> Vec<EnvironmentBuilder> {
        infra::environments::all()
    }

    /// Every environment name in promotion order (each after the one it is promoted from).
    pub fn promotion_order(&self) -> Vec<String> {
        let report = infra::validate(self.builders());
        infra::promotion::order(&report.environments)
            .iter()
            .map(|e| e.name.clone())
            .collect()
    }

    pub fn known(&self) -> Vec<String> {
        self.builders()
            .iter()
            .map(|b| b.env_name().to_string())
            .collect()
    }

    /// Check that `name` is a defined environment.
    pub fn check_known(&self, name: &str) -> Result<()> {
        let known = self.known();
        if !known.iter().any(|k| k == name) {
            bail!(
                "unknown environment `{name}`; known environments: {}",
                known.join(", ")
            );
        }
        Ok(())
    }

    /// The built environment `name`, or every violation that keeps it from building.
    pub fn environment(&self, name: &str) -> Result<Environment> {
        self.check_known(name)?;
        let builder = self
            .builders()
            .into_iter()
            .find(|b| b.env_name() == name)
            .context("environment vanished")?;
        builder.build().map_err(|violations| {
            let lines: Vec<String> = violations.iter().map(|v| format!("  {v}")).collect();
            anyhow::anyhow!(
                "environment `{name}` is invalid ({} violations):\n{}",
                violations.len(),
                lines.join("\n")
            )
        })
    }

    pub fn state_path(&self) -> PathBuf {
        self.root.join(STATE_FILE)
    }

    /// The environment chosen with `switch`, if any.
    pub fn switched(&self) -> Result<Option<String>> {
        let path = self.state_path();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot read `{}`", path.display())),
        };
        let state: SwitchState = toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "`{}` is not a valid switch state file ({}); run `cargo xtask switch <env>` to rewrite it",
                path.display(),
                e.message()
            )
        })?;
        self.check_known(&state.environment).with_context(|| {
            format!(
                "`{}` names an environment that no longer exists; run `cargo xtask switch <env>`",
                path.display()
            )
        })?;
        Ok(Some(state.environment))
    }

    pub fn write_switched(&self, name: &str) -> Result<()> {
        let path = self.state_path();
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        let text = toml::to_string(&SwitchState {
            environment: name.to_string(),
        })?;
        // Write then rename, so a crash never leaves a half-written state file.
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).with_context(|| format!("cannot write `{}`", tmp.display()))?;
        std::fs::rename(&tmp, &path).with_context(|| format!("cannot write `{}`", path.display()))
    }

    /// The environment a command acts on: `--env`, else `MHT_ENV`, else the switched one.
    pub fn selected(&self, explicit: Option<&str>) -> Result<String> {
        let from_env_var = std::env::var("MHT_ENV")
            .ok()
            .filter(|v| !v.trim().is_empty());
        let name = match explicit.map(str::to_string).or(self.env_flag.clone()).or(from_env_var) {
            Some(name) => name,
            None => self.switched()?.with_context(|| {
                format!(
                    "no environment selected; pass --env <ENV>, set MHT_ENV, or run `cargo xtask switch <ENV>` (known: {})",
                    self.known().join(", ")
                )
            })?,
        };
        self.check_known(&name)?;
        Ok(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_from_another_checkout_is_refused_naming_both() {
        let here = std::env::temp_dir().join("mht-checkout-a");
        let there = std::env::temp_dir().join("mht-checkout-b");
        let err = check_checkout(&here, Some(there.join("xtask"))).unwrap_err();
        let text = format!("{err:#}");
        assert!(
            text.contains(&format!("built from `{}`", here.display())),
            "{text}"
        );
        assert!(
            text.contains(&format!("runs in `{}`", there.display())),
            "{text}"
        );
        assert!(text.contains("cargo clean -p xtask -p infra"), "{text}");
    }

    #[test]
    fn the_own_checkout_or_a_direct_start_is_accepted() {
        let root = built_root().unwrap();
        check_checkout(&root, Some(root.join("xtask"))).unwrap();
        // The same checkout named through a symlink-free relative detour.
        check_checkout(&root, Some(root.join("infra/../xtask"))).unwrap();
        check_checkout(&root, None).unwrap();
    }
}
