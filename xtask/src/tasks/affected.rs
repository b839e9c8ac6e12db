//! `cargo xtask affected [--base <ref>]`: the environments a change affects, for a CI matrix.
//! An environment is affected when its rendered root differs from the one committed at the
//! base (the render of the model there, which the freshness check keeps equal to it: so a
//! change of the model counts exactly when it changes what the environment renders), when a
//! module its root calls changed, or when it is new. The comparison reads files at the base
//! with `git show`, as `cost diff --base` does.

use crate::project::Project;
use crate::Format;
use crate::{git, table};
use anyhow::{bail, Result};
use infra::Environment;
use serde_json::Value;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Affected {
    /// The git ref to compare with (default: the merge base with `main`, or `HEAD~1` when HEAD
    /// is on main)
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// Output format: json is a list of names, a CI matrix
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The base to compare with, and why it was chosen.
fn base(p: &Project, given: Option<&str>) -> Result<(String, String)> {
    if let Some(rev) = given {
        return Ok((git::commit(&p.root, rev)?, format!("`{rev}`")));
    }
    let head = git::commit(&p.root, "HEAD")?;
    for main in ["main", "origin/main"] {
        match git::merge_base(&p.root, "HEAD", main) {
            Some(base) if base != head => {
                return Ok((base, format!("the merge base with `{main}`")));
            }
            Some(_) => break,
            None => continue,
        }
    }
    let previous = git::commit(&p.root, "HEAD~1")
        .map_err(|_| anyhow::anyhow!("HEAD has no parent to compare with; pass --base <ref>"))?;
    Ok((
        previous,
        "`HEAD~1` (HEAD is on main, or there is no main)".into(),
    ))
}

/// The modules `root` calls, by directory under `infra/modules/`.
fn modules(root: &Value) -> Vec<String> {
    root["module"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(_, m)| m["source"].as_str()?.strip_prefix("../../modules/"))
        .map(String::from)
        .collect()
}

/// Why `env` is affected since `base` (empty: it is not).
fn reasons(p: &Project, env: &Environment, base: &str) -> Result<Vec<String>> {
    let path = format!("{}/main.tf.json", infra::render::root_dir(&env.name));
    let now = infra::render::root(env);
    let mut why = Vec::new();
    match git::show(&p.root, base, &path) {
        Err(_) => why.push("new: no root at the base".to_string()),
        Ok(text) => {
            let then: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            if then != now {
                why.push("its rendered root changed".into());
            }
        }
    }
    for module in modules(&now) {
        if git::changed_since(&p.root, base, &format!("infra/modules/{module}"))? {
            why.push(format!("module `{module}` changed"));
        }
    }
    Ok(why)
}

impl Affected {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let report = infra::validate(p.builders());
        if !report.ok() {
            bail!(
                "the environments do not validate; run `cargo xtask validate` and fix them first"
            );
        }
        let (base, why) = base(p, self.base.as_deref())?;
        eprintln!("comparing with {} ({why})", &base[..base.len().min(12)]);
        let mut affected = Vec::new();
        for env in infra::promotion::order(&report.environments) {
            let reasons = reasons(p, env, &base)?;
            if !reasons.is_empty() {
                affected.push((env.name.clone(), reasons));
            }
        }
        match self.format {
            Format::Json => {
                let names: Vec<&str> = affected.iter().map(|(n, _)| n.as_str()).collect();
                for (name, reasons) in &affected {
                    eprintln!("{name}: {}", reasons.join("; "));
                }
                println!("{}", serde_json::to_string(&names)?);
            }
            Format::Text if affected.is_empty() => println!("no environment is affected"),
            Format::Text => {
                let rows: Vec<Vec<String>> = affected
                    .iter()
                    .map(|(n, r)| vec![n.clone(), r.join("; ")])
                    .collect();
                print!("{}", table::render(&["environment", "why"], &rows));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roots_modules_are_read_from_their_sources() {
        let root = serde_json::json!({"module": {
            "alb": {"source": "../../modules/alb"},
            "s3": {"source": "../../modules/s3", "bucket": "x"},
            "remote": {"source": "terraform-aws-modules/vpc/aws"},
        }});
        assert_eq!(modules(&root), ["alb", "s3"]);
        assert!(modules(&serde_json::json!({})).is_empty());
    }
}
