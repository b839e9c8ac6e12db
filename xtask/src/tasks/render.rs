//! `cargo xtask render [--check]`: write the generated Terraform roots, or check they are fresh.

use crate::generated::{compare, has_function_package, leftovers, stale, Reason};
use crate::project::Project;
use anyhow::{bail, Context, Result};
use infra::render;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Render {
    /// Change nothing; exit 1 if any generated file is missing, stale or left over
    #[arg(long)]
    check: bool,
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
            match compare(&path, &f.content) {
                None => {
                    println!("unchanged  {}", f.path);
                    continue;
                }
                Some(Reason::Directory) => bail!(
                    "`{}` is a directory where the generated file belongs; remove it and run `cargo xtask render` again",
                    path.display()
                ),
                Some(_) => {}
            }
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
            }
            std::fs::write(&path, &f.content)
                .with_context(|| format!("cannot write `{}`", path.display()))?;
            println!("wrote      {}", f.path);
        }
        write_package(p)?;
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

/// The alarm function's package, the zip of its committed source, next to it.
fn write_package(p: &Project) -> Result<()> {
    if !has_function_package(&p.root) {
        return Ok(());
    }
    let rel = infra::alerting::FUNCTION_PACKAGE;
    let path = p.root.join(rel);
    let package = infra::alerting::function_package();
    if std::fs::read(&path).is_ok_and(|bytes| bytes == package) {
        println!("unchanged  {rel}");
        return Ok(());
    }
    std::fs::write(&path, package).with_context(|| format!("cannot write `{}`", path.display()))?;
    println!("wrote      {rel}");
    Ok(())
}
