//! `cargo xtask output <env> [NAME]`: the outputs of an environment's Terraform state
//! (`terraform output -json` of its root): all of them as a table or JSON, or one by name as its
//! raw value for scripts. Sensitive outputs are masked unless `--show-sensitive`.

use crate::aws::Aws;
use crate::project::Project;
use crate::table;
use crate::Format;
use anyhow::{bail, Context, Result};
use serde_json::{json, Map, Value};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Outputs {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// One output: its raw value alone (a string without quotes, anything else as JSON)
    #[arg(value_name = "NAME")]
    name: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Print sensitive values instead of masking them
    #[arg(long)]
    show_sensitive: bool,
}

/// What a masked value reads as.
const MASKED: &str = "(sensitive)";

/// A value as a script wants it: a string raw, anything else as compact JSON.
fn raw(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `terraform output -json` of `name`'s root, read through its backend.
fn read(p: &Project, name: &str) -> Result<Map<String, Value>> {
    let env = p.environment(name)?;
    let aws = Aws::connect(p, &env)?;
    aws.guard_account(&env)?;
    let problems = crate::backend::problems(&aws, &env)?;
    if !problems.is_empty() {
        bail!(
            "`{name}` has no Terraform backend to read outputs from ({}); run `cargo xtask setup-backend {name}` and `cargo xtask deploy {name}`",
            problems.join("; ")
        );
    }
    let run = crate::terraform::prepare(p, &env, &aws)?;
    let text = run.must(&["output", "-json", "-no-color"])?;
    let all: Map<String, Value> = serde_json::from_str(&text)
        .with_context(|| format!("`terraform output -json` of `{name}` printed no JSON object"))?;
    if all.is_empty() {
        bail!("`{name}` has no outputs: its state holds none (not deployed yet?); run `cargo xtask deploy {name}`");
    }
    Ok(all)
}

/// One output's value, refused when it is sensitive and not asked for, or unknown (naming the
/// known ones).
fn one(all: &Map<String, Value>, env: &str, name: &str, show_sensitive: bool) -> Result<Value> {
    let Some(output) = all.get(name) else {
        let known: Vec<&str> = all.keys().map(String::as_str).collect();
        bail!(
            "`{env}` has no output `{}`; its outputs: {}",
            crate::project::shown(name),
            known.join(", ")
        );
    };
    if output["sensitive"] == true && !show_sensitive {
        bail!("output `{name}` of `{env}` is sensitive; pass --show-sensitive to print it");
    }
    Ok(output["value"].clone())
}

/// Every output as `(name, value or masked, sensitive)`.
fn listed(all: &Map<String, Value>, show_sensitive: bool) -> Vec<(String, Value, bool)> {
    all.iter()
        .map(|(name, o)| {
            let sensitive = o["sensitive"] == true;
            let value = match sensitive && !show_sensitive {
                true => json!(MASKED),
                false => o["value"].clone(),
            };
            (name.clone(), value, sensitive)
        })
        .collect()
}

impl Outputs {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let env = p.selected(self.environment.as_deref())?.name;
        let all = read(p, &env)?;
        if let Some(name) = &self.name {
            let value = one(&all, &env, name, self.show_sensitive)?;
            match self.format {
                Format::Json => println!("{value}"),
                Format::Text => println!("{}", raw(&value)),
            }
            return Ok(ExitCode::SUCCESS);
        }
        let list = listed(&all, self.show_sensitive);
        match self.format {
            Format::Json => {
                let outputs: Map<String, Value> = list
                    .into_iter()
                    .map(|(n, v, s)| (n, json!({"value": v, "sensitive": s})))
                    .collect();
                let doc = json!({"environment": env, "outputs": outputs});
                println!("{}", serde_json::to_string_pretty(&doc)?);
            }
            Format::Text => {
                let rows: Vec<Vec<String>> = list
                    .iter()
                    .map(|(n, v, _)| vec![n.clone(), raw(v)])
                    .collect();
                print!("{}", table::render(&["output", "value"], &rows));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outputs() -> Map<String, Value> {
        let doc = json!({
            "queue_url": {"sensitive": false, "type": "string", "value": "http://q/1"},
            "api_urls": {"sensitive": false, "type": ["list", "string"], "value": ["https://a", "https://b"]},
            "db_password": {"sensitive": true, "type": "string", "value": "hunter2"},
        });
        doc.as_object().unwrap().clone()
    }

    #[test]
    fn one_output_is_its_raw_value() {
        let all = outputs();
        assert_eq!(
            raw(&one(&all, "staging", "queue_url", false).unwrap()),
            "http://q/1"
        );
        let urls = one(&all, "staging", "api_urls", false).unwrap();
        assert_eq!(raw(&urls), r#"["https://a","https://b"]"#);
    }

    #[test]
    fn an_unknown_output_names_the_known_ones() {
        let err = one(&outputs(), "staging", "queue", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no output `queue`"), "{err}");
        assert!(err.contains("api_urls, db_password, queue_url"), "{err}");
    }

    #[test]
    fn sensitive_outputs_are_masked_unless_asked() {
        let all = outputs();
        let err = one(&all, "staging", "db_password", false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("--show-sensitive"), "{err}");
        assert_eq!(
            one(&all, "staging", "db_password", true).unwrap(),
            "hunter2"
        );
        let masked = listed(&all, false);
        assert_eq!(masked[1], ("db_password".into(), json!(MASKED), true));
        assert!(!format!("{masked:?}").contains("hunter2"));
        assert_eq!(listed(&all, true)[1].1, "hunter2");
    }
}
