//! `cargo xtask status <env> [--format json]`: the live colour and the listener's weights, the
//! version on each colour, target health, the time left in the rollback window, and the last
//! deployment record.

use crate::aws::Aws;
use crate::fleet::{Fleet, Group};
use crate::project::Project;
use crate::release::seconds_until;
use crate::{records, table, Format};
use anyhow::Result;
use infra::release::NO_END;
use serde_json::{json, Value};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Status {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// One colour: the release state's view, the listener's weight and the group's health.
fn colour_json(
    colour: &str,
    state: &infra::release::ColourState,
    weight: Option<i32>,
    group: &Group,
    scale_down_at: Option<String>,
) -> Value {
    let window = (state.up && state.until != NO_END).then(|| seconds_until(&state.until));
    json!({
        "colour": colour,
        "version": state.version,
        "weight": state.weight,
        "listener_weight": weight,
        "up": state.up,
        "until": (state.until != NO_END).then_some(&state.until),
        "rollback_window_seconds_left": window.flatten().map(|s| s.max(0)),
        "desired": group.desired,
        "healthy": group.healthy(),
        "targets": group.targets,
        "scale_down_at": scale_down_at,
    })
}

impl Status {
    /// `status <env>` as text, as the demo runs it.
    pub fn of(env: &str) -> Status {
        Status {
            environment: Some(env.to_string()),
            format: Format::Text,
        }
    }

    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        aws.guard_account(&env)?;
        let fleet = Fleet::new(&aws, &env);
        let Some(state) = fleet.read_state()? else {
            anyhow::bail!(
                "`{name}` has no release state (`{}`): deploy it first (`cargo xtask deploy {name}`)",
                env.names.release_parameter
            );
        };
        let weights = if env.compute.load_balancer {
            fleet.live_weights()?
        } else {
            Default::default()
        };
        let mut colours = Vec::new();
        for (colour, c) in &state.colours {
            let group = fleet.group(colour)?;
            let weight = weights.get(colour).copied();
            colours.push(colour_json(
                colour,
                c,
                weight,
                &group,
                fleet.scale_down(colour)?,
            ));
        }
        // The records sit beside the Terraform state, readable by the deployers only: a team
        // that observes sees the rest.
        let (last, unreadable) = match records::list(&aws, &env) {
            Ok(mut all) => (all.pop(), None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        // A deploy or rollback releasing now (a team that observes may not read the lock).
        let lock = crate::backend::release_lock::held(&aws, &env)
            .ok()
            .flatten()
            .map(|l| json!({"id": l.id, "who": l.who, "operation": l.operation, "created": l.created, "held": l.describe()}));
        let doc = json!({
            "environment": env.name,
            "strategy": if env.deployment.blue_green { "blue-green" } else { "rolling" },
            "live": state.live,
            "version": state.live_version(),
            "colours": colours,
            "last_record": last,
            "last_record_unreadable": unreadable,
            "release_lock": lock,
            "emulator": aws.local,
        });
        match self.format {
            Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
            Format::Text => print!("{}", text_of(&doc)),
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The text `status` prints for `doc`.
fn text_of(doc: &Value) -> String {
    let mut out = format!(
        "`{}` ({}): live `{}`, version {}\n",
        text(&doc["environment"]),
        text(&doc["strategy"]),
        text(&doc["live"]),
        text(&doc["version"])
    );
    let rows: Vec<Vec<String>> = doc["colours"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            let window = match c["rollback_window_seconds_left"].as_i64() {
                Some(0) => format!("ended {}", text(&c["until"])),
                Some(s) => format!("{}m{:02}s left", s / 60, s % 60),
                None => String::new(),
            };
            vec![
                text(&c["colour"]),
                text(&c["version"]),
                format!(
                    "{} %",
                    c["listener_weight"]
                        .as_i64()
                        .or(c["weight"].as_i64())
                        .unwrap_or(0)
                ),
                format!("{}/{}", text(&c["healthy"]), text(&c["desired"])),
                window,
                text(&c["scale_down_at"]),
            ]
        })
        .collect();
    out.push_str(&table::render(
        &[
            "colour",
            "version",
            "traffic",
            "healthy",
            "rollback window",
            "scale-down at",
        ],
        &rows,
    ));
    if doc["emulator"] == true {
        out.push_str("scale-down at the window's end: skipped on the emulator (moto stores scheduled actions but never runs them; the next deploy scales the colour to zero)\n");
    }
    if let Some(held) = doc["release_lock"]["held"].as_str() {
        out.push_str(&format!(
            "release lock: {held} (a deploy or rollback is releasing: what is above may change)\n"
        ));
    }
    if let Some(why) = doc["last_record_unreadable"].as_str() {
        out.push_str(&format!("last record: cannot be read ({why}); the records sit beside the Terraform state and are the deployers' only\n"));
    }
    let last = &doc["last_record"];
    if !last.is_null() {
        out.push_str(&format!(
            "last record: {} {} {} version {} by {}\n",
            text(&last["started_at"]),
            text(&last["action"]),
            text(&last["result"]),
            text(&last["version"]),
            text(&last["user"])
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_text_shows_each_colour_and_says_when_the_records_cannot_be_read() {
        let mut doc = json!({
            "environment": "production", "strategy": "blue-green", "live": "green",
            "version": "2.0", "emulator": false, "last_record": null,
            "last_record_unreadable": "s3:ListObjectsV2 `b/deployments/`: AccessDenied",
            "colours": [
                {"colour": "blue", "version": "1.0", "weight": 0, "listener_weight": 0,
                 "healthy": 2, "desired": 2, "rollback_window_seconds_left": 125,
                 "until": "2026-11-30T10:05:00Z", "scale_down_at": "2026-11-30T10:05:00Z"},
                {"colour": "green", "version": "2.0", "weight": 100, "listener_weight": 100,
                 "healthy": 1, "desired": 2, "rollback_window_seconds_left": null,
                 "until": null, "scale_down_at": null},
            ],
        });
        let text = text_of(&doc);
        assert!(!text.contains("release lock"), "{text}");
        assert!(
            text.starts_with("`production` (blue-green): live `green`, version 2.0\n"),
            "{text}"
        );
        assert!(
            text.contains("2m05s left") && text.contains("1/2"),
            "{text}"
        );
        assert!(
            text.contains("last record: cannot be read (s3:ListObjectsV2 `b/deployments/`: AccessDenied); the records sit beside the Terraform state and are the deployers' only"),
            "{text}"
        );
        doc["last_record_unreadable"] = Value::Null;
        doc["last_record"] = json!({"started_at": "2026-11-30T10:00:00Z", "action": "deploy",
            "result": "success", "version": "2.0", "user": "ana"});
        doc["release_lock"] = json!({"held": "held by ana@laptop for deploy --version 3.0 since 2026-11-30T10:01:00Z, lock id 6aae"});
        let text = text_of(&doc);
        assert!(!text.contains("cannot be read"), "{text}");
        assert!(
            text.contains("release lock: held by ana@laptop for deploy --version 3.0 since 2026-11-30T10:01:00Z, lock id 6aae (a deploy or rollback is releasing: what is above may change)"),
            "{text}"
        );
        assert!(
            text.contains("last record: 2026-11-30T10:00:00Z deploy success version 2.0 by ana"),
            "{text}"
        );
    }
}
