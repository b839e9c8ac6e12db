//! `cargo xtask envs`: every environment with its account, region, protection and place in the
//! promotion order, and what its deployment records say: the last deploy and the commit last
//! deployed successfully. The records are read for every environment at once; one that cannot
//! be read (AWS or the emulator out of reach, no backend yet, another account's credentials)
//! says why in its row instead of failing the list.

use crate::aws::Aws;
use crate::parallel::{self, Jobs};
use crate::project::Project;
use crate::records::{self, Action, Record};
use crate::table;
use crate::Format;
use anyhow::Result;
use serde_json::{json, Value};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Envs {
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The deployments recorded for `name` by its deployers, oldest first (as the promotion gate,
/// records by anyone else are left out).
fn deployments(p: &Project, name: &str) -> Result<Vec<Record>> {
    let env = p.environment(name)?;
    let aws = Aws::connect(p, &env)?;
    let caller = aws.guard_account(&env)?;
    Ok(records::list(&aws, &env)?
        .into_iter()
        .filter(|r| r.action == Action::Deploy && records::by_deployer(&aws, &env, &caller, r))
        .collect())
}

/// The last deploy, and the last one that succeeded.
fn last(records: &[Record]) -> (Option<&Record>, Option<&Record>) {
    let ok = records.iter().rev().find(|r| r.succeeded());
    (records.last(), ok)
}

fn short(commit: &str) -> String {
    commit.chars().take(12).collect()
}

impl Envs {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let report = infra::validate(p.builders());
        let order = infra::promotion::order(&report.environments);
        let names: Vec<String> = order.iter().map(|e| e.name.clone()).collect();
        let quiet = self.format == Format::Json;
        let runs = parallel::each(&names, Jobs::default(), quiet, |n| deployments(p, n));
        let rows: Vec<Value> = order
            .iter()
            .zip(&runs)
            .enumerate()
            .map(|(i, (env, run))| {
                let (last_deploy, deployed) = match &run.result {
                    Ok(list) => {
                        let (last, ok) = last(list);
                        let last = last.map(|r| {
                            json!({"started_at": r.started_at, "result": r.result.to_string(), "commit": r.commit})
                        });
                        (json!(last), json!(ok.map(|r| r.commit.clone())))
                    }
                    Err(_) => (Value::Null, Value::Null),
                };
                json!({
                    "name": env.name,
                    "account": env.account_id,
                    "region": env.region,
                    "protected": env.protected,
                    "promotion_order": i + 1,
                    "promoted_from": env.promoted_from,
                    "last_deploy": last_deploy,
                    "deployed_commit": deployed,
                    "records_unavailable": run.result.as_ref().err().map(parallel::first_line),
                })
            })
            .collect();
        match self.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
            Format::Text => print_text(&rows),
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn print_text(rows: &[Value]) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let table_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let order = match r["promoted_from"].as_str() {
                Some(from) => format!("{} (from {from})", r["promotion_order"]),
                None => r["promotion_order"].to_string(),
            };
            let (last, deployed) = match r["records_unavailable"].as_str() {
                Some(why) => (format!("unavailable: {why}"), String::new()),
                None => match r["last_deploy"].as_object() {
                    Some(l) => (
                        format!("{} {}", text(&l["started_at"]), text(&l["result"])),
                        short(&text(&r["deployed_commit"])),
                    ),
                    None => ("never".into(), String::new()),
                },
            };
            vec![
                text(&r["name"]),
                text(&r["account"]),
                text(&r["region"]),
                if r["protected"] == true { "yes" } else { "no" }.into(),
                order,
                last,
                deployed,
            ]
        })
        .collect();
    let header = [
        "environment",
        "account",
        "region",
        "protected",
        "promotion",
        "last deploy",
        "deployed commit",
    ];
    print!("{}", table::render(&header, &table_rows));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::Outcome;

    fn record(commit: &str, result: Outcome) -> Record {
        Record {
            commit: commit.into(),
            result,
            ..Record::default()
        }
    }

    #[test]
    fn the_deployed_commit_is_the_last_that_succeeded() {
        let list = [
            record("aaa", Outcome::Success),
            record("bbb", Outcome::NoChanges),
            record("ccc", Outcome::Failed("boom".into())),
        ];
        let (last_one, ok) = last(&list);
        assert_eq!(last_one.unwrap().commit, "ccc");
        assert_eq!(ok.unwrap().commit, "bbb");
        assert_eq!(last(&[]), (None, None));
    }
}
