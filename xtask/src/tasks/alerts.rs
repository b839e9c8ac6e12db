//! Who is told: `secrets set discord-webhook <env>` (the webhook URL into SSM, from stdin),
//! `alarms <env>` (every alarm the model declares, as CloudWatch has it) and
//! `test-alerts <env>` (a notification through the environment's own topic, proven to reach
//! every subscription the tool can observe).

use crate::aws::Aws;
use crate::live::alerts::{alarm_rows, probe_checks, AlarmRow};
use crate::project::Project;
use crate::report;
use crate::Format;
use anyhow::{bail, Context, Result};
use std::io::{IsTerminal, Read};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Secrets {
    #[command(subcommand)]
    action: SecretsAction,
}

#[derive(clap::Subcommand)]
enum SecretsAction {
    /// Store a secret read from stdin (never echoed, never printed) as an SSM SecureString
    Set {
        /// Which secret
        #[arg(value_enum)]
        secret: Secret,
        /// Environment (else --env, MHT_ENV or the switched one)
        #[arg(value_name = "ENV")]
        environment: Option<String>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Secret {
    /// The Discord webhook URL the alarm function posts to
    DiscordWebhook,
}

/// The secret on stdin, without its trailing newline; refused from a terminal, empty, or not
/// an `https://` URL. Errors never contain the value.
pub fn read_webhook(input: &mut dyn Read, terminal: bool) -> Result<String> {
    if terminal {
        bail!("refusing to read the webhook from a terminal, where it would be echoed and kept in the scrollback; pipe it: `printf %s \"$URL\" | cargo xtask secrets set discord-webhook <env>`");
    }
    let mut value = String::new();
    input
        .read_to_string(&mut value)
        .context("cannot read the webhook URL from stdin (is it UTF-8 text?)")?;
    let value = value.trim().to_string();
    if value.is_empty() {
        bail!("stdin held no webhook URL; pipe the URL, e.g. `printf %s \"$URL\" | cargo xtask secrets set discord-webhook <env>`");
    }
    if let Some(problem) = infra::rules::https_problem(&value) {
        bail!("the value on stdin {problem} (value not shown); a Discord webhook URL starts with `https://discord.com/api/webhooks/`");
    }
    Ok(value)
}

impl Secrets {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let SecretsAction::Set {
            secret: Secret::DiscordWebhook,
            environment,
        } = self.action;
        let name = p.selected(environment.as_deref())?;
        name.announce();
        let env = p.environment(&name)?;
        let stdin = std::io::stdin();
        let value = read_webhook(&mut stdin.lock(), stdin.is_terminal())?;
        let aws = Aws::connect(p, &env)?;
        aws.guard_account(&env)?;
        let parameter = &env.names.webhook_parameter;
        let put = aws
            .block_on(
                aws.ssm()
                    .put_parameter()
                    .name(parameter)
                    .value(value)
                    .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                    .overwrite(true)
                    .description(format!("Discord webhook of the `{name}` alarm function"))
                    .send(),
            )
            .map_err(|e| aws.error("ssm:PutParameter", e))?;
        println!(
            "stored the Discord webhook of `{name}` as SecureString `{parameter}` (version {}) on {}",
            put.version(),
            aws.target
        );
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(clap::Args)]
pub struct Alarms {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl Alarms {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        aws.guard_account(&env)?;
        let rows = alarm_rows(&aws, &env)?;
        let missing = rows.iter().filter(|r| r.state.is_none()).count();
        match self.format {
            Format::Json => {
                let list: Vec<_> = rows.iter().map(AlarmRow::to_json).collect();
                let doc = serde_json::json!({"environment": env.name, "missing": missing, "alarms": list});
                println!("{}", serde_json::to_string_pretty(&doc)?);
            }
            Format::Text => print!("{}", AlarmRow::table(&rows)),
        }
        if missing > 0 {
            eprintln!(
                "{missing} alarms the model declares are missing on {}; deploy `{name}`",
                aws.target
            );
            return Ok(ExitCode::FAILURE);
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[derive(clap::Args)]
pub struct TestAlerts {
    /// Environment (else --env, MHT_ENV or the switched one)
    #[arg(value_name = "ENV")]
    environment: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

impl TestAlerts {
    pub fn run(self, p: &Project) -> Result<ExitCode> {
        let name = p.selected(self.environment.as_deref())?;
        name.announce(); // it publishes a test notification and creates a probe queue
        let env = p.environment(&name)?;
        let aws = Aws::connect(p, &env)?;
        if self.format == Format::Text {
            println!("test-alerts `{name}` on {}", aws.target);
        }
        aws.guard_account(&env)?;
        let start = Instant::now();
        let checks = probe_checks(&aws, &env);
        report::print("test-alerts", &name, &checks, start.elapsed(), self.format)
    }
}

#[cfg(test)]
mod tests {
    use super::read_webhook;

    #[test]
    fn the_webhook_is_read_from_a_pipe_only_trimmed_and_never_echoed_in_errors() {
        let url = "https://discord.com/api/webhooks/1/secret-token";
        let read = |input: &str, terminal| read_webhook(&mut input.as_bytes(), terminal);
        assert_eq!(read(&format!("{url}\r\n"), false).unwrap(), url);
        let refused = read(url, true).unwrap_err().to_string();
        assert!(refused.contains("from a terminal"), "{refused}");
        for bad in [
            "",
            "http://discord.com/api/webhooks/1/secret-token",
            "secret-token",
        ] {
            let e = read(bad, false).unwrap_err().to_string();
            assert!(!e.contains("secret-token"), "{e}");
        }
    }
}
