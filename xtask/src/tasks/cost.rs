//! `cargo xtask cost [<env>]`: the monthly estimate of each environment from the model and the
//! price sheet (`infra/prices/`), line by line, beside its budget and the plan's figure; and
//! `cargo xtask cost diff`: what a change adds a month, between two environments or between
//! this working tree and a git ref, as a table, JSON or a pull-request comment.

use crate::project::Project;
use crate::table;
use crate::ReportFormat;
use anyhow::{bail, Context, Result};
use infra::cost::{self, Change, Estimate};
use serde_json::Value;
use std::process::ExitCode;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cost {
    #[command(subcommand)]
    diff: Option<Diff>,
    /// Environment (else every environment)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
}

#[derive(clap::Subcommand)]
enum Diff {
    /// What changes a month: `cost diff <a> <b>` (two environments) or `cost diff --base <ref>
    /// [<env>]` (a git ref's committed estimate against this working tree)
    Diff(DiffArgs),
}

#[derive(clap::Args)]
struct DiffArgs {
    /// With --base: the environment (else every one); without: the first of two environments
    #[arg(value_name = "ENV")]
    first: Option<String>,
    /// The second environment, compared with the first
    #[arg(value_name = "OTHER", conflicts_with = "base")]
    second: Option<String>,
    /// Compare this working tree with the estimate committed at this git ref (`cost.json`)
    #[arg(long, value_name = "REF")]
    base: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: ReportFormat,
}

/// Every environment's estimate (the hosted zone split between them), or the named one's.
fn estimates(p: &Project, only: Option<&str>) -> Result<Vec<Estimate>> {
    let report = infra::validate(p.builders());
    let envs = &report.environments;
    if envs.len() != p.known().len() {
        bail!("some environments do not build; run `cargo xtask validate`");
    }
    if let Some(name) = only {
        p.check_known(name)?;
    }
    envs.iter()
        .filter(|e| only.is_none_or(|n| e.name == n))
        .map(|e| cost::estimate(e, envs.len()).map_err(anyhow::Error::msg))
        .collect()
}

fn usd(v: f64) -> String {
    format!("${v:.2}")
}

fn print_text(e: &Estimate) {
    println!(
        "\n`{}`, a month (on-demand prices, infra/prices/):",
        e.environment
    );
    let rows: Vec<Vec<String>> = e
        .lines
        .iter()
        .map(|l| {
            vec![
                l.item.clone(),
                format!("{} {} × ${}", round(l.quantity), l.unit, l.unit_usd),
                usd(l.monthly_usd),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(&["item", "quantity × unit price", "monthly"], &rows)
    );
    let share = 100.0 * e.total_usd / f64::from(e.budget_usd.max(1));
    let plan = e
        .plan_usd
        .map(|p| format!(", the plan ${p}"))
        .unwrap_or_default();
    println!(
        "total {} (budget ${}, {share:.0} % of it{plan})",
        usd(e.total_usd),
        e.budget_usd
    );
    if !e.explanations.is_empty() {
        println!("where the estimate and the plan differ:");
        for x in &e.explanations {
            println!("  - {x}");
        }
    }
    let free: Vec<String> = e
        .lines
        .iter()
        .filter_map(|l| l.free_tier.as_ref().map(|f| format!("  - {}: {f}", l.item)))
        .collect();
    if !free.is_empty() {
        println!("free tier (not subtracted above):\n{}", free.join("\n"));
    }
}

fn round(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn print_markdown(e: &Estimate) {
    println!(
        "### `{}`: {} a month (budget ${})\n",
        e.environment,
        usd(e.total_usd),
        e.budget_usd
    );
    println!("| item | quantity × unit price | monthly |\n|---|---|---:|");
    for l in &e.lines {
        println!(
            "| {} | {} {} × ${} | {} |",
            l.item,
            round(l.quantity),
            l.unit,
            l.unit_usd,
            usd(l.monthly_usd)
        );
    }
    println!("| **total** | | **{}** |\n", usd(e.total_usd));
}

impl Cost {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        if let Some(Diff::Diff(args)) = self.diff {
            return args.run(p);
        }
        let all = estimates(p, self.environment.as_deref())?;
        match self.format {
            ReportFormat::Json => {
                let docs: Vec<Value> = all.iter().map(Estimate::to_json).collect();
                println!("{}", serde_json::to_string_pretty(&docs)?);
            }
            ReportFormat::Text => all.iter().for_each(print_text),
            ReportFormat::Markdown => all.iter().for_each(print_markdown),
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// One side-by-side comparison: a title, the two sides' names, the changed lines.
struct Compared {
    title: String,
    sides: [String; 2],
    changes: Vec<Change>,
}

impl DiffArgs {
    fn run(self, p: &Project) -> Result<ExitCode> {
        let compared = match (&self.base, &self.first, &self.second) {
            (Some(base), only, _) => self.against(p, base, only.as_deref())?,
            (None, Some(a), Some(b)) => {
                let (ea, eb) = (one(p, a)?, one(p, b)?);
                vec![Compared {
                    title: format!("`{a}` → `{b}`"),
                    sides: [a.clone(), b.clone()],
                    changes: cost::diff(&ea.to_json(), &eb.to_json()),
                }]
            }
            _ => bail!("name two environments (`cost diff staging production`) or a git ref (`cost diff --base main`)"),
        };
        match self.format {
            ReportFormat::Json => {
                let docs: Vec<Value> = compared.iter().map(compared_json).collect();
                println!("{}", serde_json::to_string_pretty(&docs)?);
            }
            ReportFormat::Text => compared.iter().for_each(|c| print_compared(c, false)),
            ReportFormat::Markdown => compared.iter().for_each(|c| print_compared(c, true)),
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Each environment's estimate committed at `base` against this working tree's.
    fn against(&self, p: &Project, base: &str, only: Option<&str>) -> Result<Vec<Compared>> {
        estimates(p, only)?
            .iter()
            .map(|now| {
                let path = format!("{}/cost.json", infra::render::root_dir(&now.environment));
                let text = crate::git::show(&p.root, base, &path)?;
                let then: Value = serde_json::from_str(&text)
                    .with_context(|| format!("`{path}` at `{base}` is not an estimate"))?;
                Ok(Compared {
                    title: format!("`{}`: `{base}` → this working tree", now.environment),
                    sides: [base.to_string(), "this tree".into()],
                    changes: cost::diff(&then, &now.to_json()),
                })
            })
            .collect()
    }
}

fn one(p: &Project, name: &str) -> Result<Estimate> {
    estimates(p, Some(name))?
        .pop()
        .context("no such environment")
}

fn compared_json(c: &Compared) -> Value {
    serde_json::json!({
        "title": c.title,
        "sides": c.sides,
        "changes": c.changes.iter().map(|ch| serde_json::json!({
            "item": ch.item, "before": ch.before, "after": ch.after, "delta": ch.delta(),
        })).collect::<Vec<_>>(),
    })
}

fn print_compared(c: &Compared, markdown: bool) {
    let money = |v: Option<f64>| v.map(usd).unwrap_or_else(|| "—".into());
    let signed = |v: f64| {
        if v >= 0.0 {
            format!("+{}", usd(v))
        } else {
            format!("-{}", usd(-v))
        }
    };
    let total = c.changes.last().map(Change::delta).unwrap_or(0.0);
    if markdown {
        println!("### Monthly cost, {}: {}\n", c.title, signed(total));
        println!(
            "| item | {} | {} | change |\n|---|---:|---:|---:|",
            c.sides[0], c.sides[1]
        );
        for ch in &c.changes {
            println!(
                "| {} | {} | {} | {} |",
                ch.item,
                money(ch.before),
                money(ch.after),
                signed(ch.delta())
            );
        }
        println!();
        return;
    }
    println!("\n{}: {} a month", c.title, signed(total));
    let rows: Vec<Vec<String>> = c
        .changes
        .iter()
        .map(|ch| {
            vec![
                ch.item.clone(),
                money(ch.before),
                money(ch.after),
                signed(ch.delta()),
            ]
        })
        .collect();
    print!(
        "{}",
        table::render(&["item", &c.sides[0], &c.sides[1], "change"], &rows)
    );
}
