//! `cargo xtask show [<env>]` and `cargo xtask diff <a> <b>`: settings, alone or side by side.

use crate::project::Project;
use crate::table;
use crate::Format;
use anyhow::Result;
use infra::settings::Setting;
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Show {
    /// Environment to show (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Show {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?.name;
        let env = p.environment(&name)?;
        let settings = env.settings();
        match self.format {
            Format::Json => {
                let list: Vec<_> = settings
                    .iter()
                    .map(|s| json!({"path": s.path, "value": s.value, "class": s.class.label()}))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({"environment": name, "settings": list}))?
                );
            }
            Format::Text => {
                println!("environment `{name}` ({} settings)\n", settings.len());
                let rows: Vec<Vec<String>> = settings
                    .iter()
                    .map(|s| vec![s.path.clone(), s.value.clone(), s.class.label().into()])
                    .collect();
                print!("{}", table::render(&["setting", "value", "class"], &rows));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(clap::Args)]
pub struct Diff {
    /// First environment
    a: String,
    /// Second environment
    b: String,
    /// Also list settings that differ only by the environment's name (resource names)
    #[arg(long)]
    all: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// One row of a diff: a setting and its value in each environment (`None`: absent).
struct Row {
    path: String,
    a: Option<String>,
    b: Option<String>,
    class: &'static str,
}

fn rows(a: &[Setting], b: &[Setting]) -> Vec<Row> {
    let mut out: Vec<Row> = a
        .iter()
        .map(|s| Row {
            path: s.path.clone(),
            a: Some(s.value.clone()),
            b: b.iter().find(|t| t.path == s.path).map(|t| t.value.clone()),
            class: s.class.label(),
        })
        .collect();
    out.extend(
        b.iter()
            .filter(|t| !a.iter().any(|s| s.path == t.path))
            .map(|t| Row {
                path: t.path.clone(),
                a: None,
                b: Some(t.value.clone()),
                class: t.class.label(),
            }),
    );
    out
}

impl Diff {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let (ea, eb) = (p.environment(&self.a)?, p.environment(&self.b)?);
        let all = rows(&ea.settings(), &eb.settings());
        let differing: Vec<&Row> = all.iter().filter(|r| r.a != r.b).collect();
        // A value that becomes the other one when the environment name is swapped is the
        // same setting, named for its environment.
        let renamed = |r: &Row| match (&r.a, &r.b) {
            (Some(a), Some(b)) => a.replace(&ea.name, &eb.name) == *b,
            _ => false,
        };
        let (shown, hidden): (Vec<&Row>, Vec<&Row>) =
            differing.into_iter().partition(|r| self.all || !renamed(r));
        let absent = || "(absent)".to_string();
        match self.format {
            Format::Json => {
                let list: Vec<_> = shown
                    .iter()
                    .map(|r| json!({"path": r.path, &self.a: r.a, &self.b: r.b, "class": r.class}))
                    .collect();
                println!(
                    "{}",
                    serde_json::to_string_pretty(&json!({
                        "a": self.a, "b": self.b, "differences": list,
                        "renamed_only": hidden.len(),
                    }))?
                );
            }
            Format::Text => {
                let table_rows: Vec<Vec<String>> = shown
                    .iter()
                    .map(|r| {
                        vec![
                            r.path.clone(),
                            r.a.clone().unwrap_or_else(absent),
                            r.b.clone().unwrap_or_else(absent),
                            r.class.to_string(),
                        ]
                    })
                    .collect();
                print!(
                    "{}",
                    table::render(&["setting", &self.a, &self.b, "class"], &table_rows)
                );
                println!(
                    "\n{} settings differ; {} more differ only by the environment name (--all shows them); {} are identical",
                    shown.len(),
                    hidden.len(),
                    all.len() - shown.len() - hidden.len()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
