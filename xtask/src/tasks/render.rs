//! `cargo xtask render [--check]`: write the generated Terraform roots, or check they are fresh.

use crate::project::Project;
use anyhow::{bail, Context, Result};
use infra::render::{self, GENERATED};
use infra::Environment;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Render {
    /// Change nothing; exit 1 if any generated file is missing, stale or left over
    #[arg(long)]
    check: bool,
}

/// A generated file that does not match the model.
pub struct Stale {
    pub path: String,
    pub reason: &'static str,
}

/// Generated files of environments that no longer exist (only files that carry the marker).
fn leftovers(root: &Path, envs: &[Environment]) -> Vec<String> {
    let dir = root.join("infra/environments");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<String> = entries
        .flatten()
        .filter(|e| {
            !envs
                .iter()
                .any(|env| env.name == e.file_name().to_string_lossy())
        })
        .flat_map(|e| {
            let env_dir = render::root_dir(&e.file_name().to_string_lossy());
            ["main.tf.json", "README.md"].map(|f| format!("{env_dir}/{f}"))
        })
        .filter(|rel| {
            std::fs::read_to_string(root.join(rel)).is_ok_and(|text| text.contains(GENERATED))
        })
        .collect();
    out.sort();
    out
}

/// Every generated file that is missing, differs from a fresh render, or is left over.
pub fn stale(root: &Path, envs: &[Environment]) -> Vec<Stale> {
    let mut out: Vec<Stale> = render::files(envs)
        .into_iter()
        .filter_map(|f| match std::fs::read_to_string(root.join(&f.path)) {
            Ok(text) if text == f.content => None,
            Ok(_) => Some(Stale {
                path: f.path,
                reason: "differs from the model",
            }),
            Err(_) => Some(Stale {
                path: f.path,
                reason: "missing",
            }),
        })
        .collect();
    out.extend(leftovers(root, envs).into_iter().map(|path| Stale {
        path,
        reason: "belongs to no environment",
    }));
    out
}

impl Render {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let report = infra::validate(p.builders());
        if !report.ok() {
            bail!(
                "refusing to render: the environments have {} violations; run `cargo xtask validate` to see them",
                report.violations().count()
            );
        }
        let envs = &report.environments;
        if self.check {
            let stale = stale(&p.root, envs);
            for s in &stale {
                println!("stale  {}  ({})", s.path, s.reason);
            }
            if stale.is_empty() {
                println!("generated files are fresh");
                return Ok(ExitCode::SUCCESS);
            }
            eprintln!(
                "error: {} generated files are stale; run `cargo xtask render`",
                stale.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        for f in render::files(envs) {
            let path = p.root.join(&f.path);
            if std::fs::read_to_string(&path).is_ok_and(|t| t == f.content) {
                println!("unchanged  {}", f.path);
                continue;
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
            std::fs::write(&path, &f.content)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            println!("wrote      {}", f.path);
        }
        for rel in leftovers(&p.root, envs) {
            let path = p.root.join(&rel);
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove `{}`", path.display()))?;
            println!("removed    {rel}  (belongs to no environment)");
            if let Some(dir) = path.parent() {
                // Only succeeds when the directory is now empty.
                let _ = std::fs::remove_dir(dir);
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
