//! The alarm → Discord function's handler, run with python3 as Lambda would run it, reading
//! its webhook from the SSM of a real moto server and posting to a local HTTP server that
//! captures the request: the message, an error from Discord, a missing secret. Then
//! `secrets set`, `alarms` and `test-alerts` against moto (the applied environments are the
//! emulator scenario's, `tests/emulator/apply.rs`).

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::mpsc;
use support::fixtures::env;
use support::{repo, Moto, TempDir};
use xtask::aws::Aws;

/// One captured request: its request line, headers (lowercase names) and body.
struct Captured {
    line: String,
    headers: Vec<(String, String)>,
    body: String,
}

/// An HTTP server on a free loopback port that answers every request with `status` and sends
/// what it received down the channel.
fn discord(status: u16, answer: &'static str) -> (String, mpsc::Receiver<Captured>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut headers = Vec::new();
            loop {
                let mut h = String::new();
                reader.read_line(&mut h).unwrap();
                let Some((k, v)) = h.trim_end().split_once(':') else {
                    break;
                };
                headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
            }
            let length: usize = headers
                .iter()
                .find(|(k, _)| k == "content-length")
                .map_or(0, |(_, v)| v.parse().unwrap());
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            let reply = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                answer.len()
            );
            stream.write_all(reply.as_bytes()).unwrap();
            let body = String::from_utf8(body).unwrap();
            let _ = tx.send(Captured {
                line: line.trim_end().to_string(),
                headers,
                body,
            });
        }
    });
    (format!("http://127.0.0.1:{port}"), rx)
}

/// Put the webhook into moto's SSM as a SecureString, with boto3 as any client would.
fn put_webhook(moto: &Moto, name: &str, url: &str) {
    let script = "import boto3, sys; boto3.client('ssm').put_parameter(Name=sys.argv[1], Value=sys.argv[2], Type='SecureString')";
    let out = python(moto, &["-c", script, name, url], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn python(moto: &Moto, args: &[&str], stdin: &str) -> std::process::Output {
    let env = env("staging");
    support::piped(
        Command::new("python3")
            .args(args)
            .current_dir(repo().join("infra/modules/monitoring"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("AWS_ENDPOINT_URL", moto.endpoint())
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", &env.region)
            .env("AWS_REGION", &env.region)
            .env("WEBHOOK_PARAMETER", &env.names.webhook_parameter)
            .env("ENVIRONMENT", &env.name),
        stdin,
    )
}

/// Run the handler on `event` as Lambda would.
fn invoke(moto: &Moto, event: &serde_json::Value) -> std::process::Output {
    let script = "import json, sys, discord_alarm; print(json.dumps(discord_alarm.handler(json.load(sys.stdin), None)))";
    python(moto, &["-c", script], &event.to_string())
}

/// An SNS event carrying a CloudWatch alarm change of `alarm`.
fn alarm_event(alarm: &str) -> serde_json::Value {
    let message = serde_json::json!({
        "AlarmName": alarm,
        "AlarmArn": format!("arn:aws:cloudwatch:us-west-2:123456789012:alarm:{alarm}"),
        "NewStateValue": "ALARM",
        "OldStateValue": "OK",
        "NewStateReason": "Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).",
    });
    serde_json::json!({"Records": [{"Sns": {"Subject": "ALARM", "Message": message.to_string()}}]})
}

#[test]
fn the_handler_posts_name_state_reason_environment_and_a_console_link() {
    let moto = Moto::start();
    let (base, captured) = discord(204, "");
    let webhook = format!("{base}/api/webhooks/123/handler-token");
    let staging = env("staging");
    put_webhook(&moto, &staging.names.webhook_parameter, &webhook);
    let alarm = staging
        .names
        .alarm(infra::model::AlarmKind::DlqDepth)
        .unwrap();
    let out = invoke(&moto, &alarm_event(alarm));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"posted\": 1"));
    let post = captured
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
    assert_eq!(post.line, "POST /api/webhooks/123/handler-token HTTP/1.1");
    assert!(post
        .headers
        .contains(&("content-type".into(), "application/json".into())));
    let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
    let content = body["content"].as_str().unwrap();
    assert_eq!(
        content,
        format!(
            "**[staging] {alarm}** is `ALARM` (was `OK`)\n\
             Threshold Crossed: 1 datapoint [3.0] was greater than the threshold (0.0).\n\
             https://us-west-2.console.aws.amazon.com/cloudwatch/home?region=us-west-2#alarmsV2:alarm/{alarm}"
        )
    );
    assert_eq!(body["allowed_mentions"]["parse"], serde_json::json!([]));
    // The URL (and its token) is never printed.
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!printed.contains("handler-token"), "{printed}");
}

#[test]
fn an_error_from_discord_fails_the_invocation_with_the_status() {
    let moto = Moto::start();
    let (base, captured) = discord(500, "{\"message\": \"boom\"}");
    let staging = env("staging");
    put_webhook(
        &moto,
        &staging.names.webhook_parameter,
        &format!("{base}/api/webhooks/1/error-token"),
    );
    let out = invoke(&moto, &alarm_event("any-alarm"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr
            .contains("AlertError: Discord refused the message: HTTP 500: {\"message\": \"boom\"}"),
        "{stderr}"
    );
    assert!(!stderr.contains("error-token"), "{stderr}");
    captured
        .recv_timeout(std::time::Duration::from_secs(5))
        .unwrap();
}

#[test]
fn a_missing_secret_fails_before_any_post_and_names_the_fix() {
    let moto = Moto::start();
    let (_base, captured) = discord(204, "");
    let out = invoke(&moto, &alarm_event("any-alarm"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(
            "AlertError: the Discord webhook parameter `/mht-api/staging/discord-webhook` does not exist: set it with `cargo xtask secrets set discord-webhook staging`"
        ),
        "{stderr}"
    );
    assert!(captured.try_recv().is_err(), "nothing may be posted");
}

/// `xtask --local <args>` against `moto` with `stdin` piped in.
fn xtask_stdin(moto: &Moto, args: &[&str], stdin: &str) -> support::Output {
    let root = TempDir::checkout("alerts");
    support::piped(
        Command::new(env!("CARGO_BIN_EXE_xtask"))
            .arg("--local")
            .args(args)
            .env_remove("MHT_ENV")
            .env("MHT_ROOT", root.path())
            .env("MHT_LOCAL_ENDPOINT", moto.endpoint()),
        stdin,
    )
    .into()
}

fn webhook_in_ssm(aws: &Aws, name: &str) -> Option<(String, String)> {
    let got = aws
        .block_on(
            aws.ssm()
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send(),
        )
        .ok()?;
    let p = got.parameter()?;
    Some((
        p.value().unwrap_or_default().to_string(),
        p.r#type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
    ))
}

#[test]
fn secrets_set_stores_a_secure_string_and_refuses_bad_values_without_echoing_them() {
    let moto = Moto::start();
    let staging = env("staging");
    let aws = Aws::with_endpoint(&staging, Some(moto.endpoint())).unwrap();
    let parameter = &staging.names.webhook_parameter;
    for (input, message) in [
        ("", "stdin held no webhook URL"),
        ("  \n", "stdin held no webhook URL"),
        (
            "http://discord.com/api/webhooks/1/plain-token",
            "is not an `https://` URL (value not shown)",
        ),
        (
            "https://discord.com/api/webhooks/1/two words",
            "contains white space (value not shown)",
        ),
    ] {
        let out = xtask_stdin(
            &moto,
            &["secrets", "set", "discord-webhook", "staging"],
            input,
        );
        out.expect(1).contains(message);
        assert!(
            !out.all().contains("-token") && !out.all().contains("two words"),
            "{}",
            out.all()
        );
        assert_eq!(
            webhook_in_ssm(&aws, parameter),
            None,
            "nothing stored for {input:?}"
        );
    }
    let url = "https://discord.com/api/webhooks/42/stored-token";
    let out = xtask_stdin(
        &moto,
        &["secrets", "set", "discord-webhook", "staging"],
        &format!("{url}\n"),
    );
    out.expect(0)
        .contains(&format!("as SecureString `{parameter}` (version 1)"));
    assert!(!out.all().contains("stored-token"), "{}", out.all());
    assert_eq!(
        webhook_in_ssm(&aws, parameter),
        Some((url.to_string(), "SecureString".into()))
    );
    // Again: a new version, production untouched.
    xtask_stdin(
        &moto,
        &["secrets", "set", "discord-webhook", "staging"],
        url,
    )
    .expect(0)
    .contains("(version 2)");
    let production = env("production");
    assert_eq!(
        webhook_in_ssm(&aws, &production.names.webhook_parameter),
        None
    );
}

#[test]
fn alarms_lists_every_declared_alarm_and_flags_the_missing() {
    let moto = Moto::start();
    let staging = env("staging");
    let aws = Aws::with_endpoint(&staging, Some(moto.endpoint())).unwrap();
    // One alarm exists, as Terraform would create it; the others are missing.
    let queues = infra::expect::queues(&staging);
    let dlq = &queues.alarms[0];
    aws.block_on(support::fixtures::put_alarm(&aws, dlq, &dlq.actions));
    let out = xtask_stdin(&moto, &["alarms", "staging", "--format", "json"], "");
    out.expect(1)
        .contains("alarms the model declares are missing");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let alarms = doc["alarms"].as_array().unwrap();
    let names: Vec<&str> = alarms.iter().map(|a| a["name"].as_str().unwrap()).collect();
    let declared: Vec<&str> = staging.alarms().iter().map(|a| a.name).collect();
    assert_eq!(names, declared);
    assert_eq!(doc["missing"], declared.len() - 1);
    let found = alarms
        .iter()
        .find(|a| a["name"] == dlq.name.as_str())
        .unwrap();
    let state = found["state"].as_str().unwrap();
    assert!(
        ["OK", "ALARM", "INSUFFICIENT_DATA"].contains(&state),
        "{found}"
    );
    assert_eq!(found["threshold"], 0.0);
    assert!(
        found["last_change"]
            .as_str()
            .is_some_and(|t| t.contains('T')),
        "{found}"
    );
    assert!(alarms
        .iter()
        .filter(|a| a["name"] != dlq.name.as_str())
        .all(|a| a["state"] == "missing"));
}

#[test]
fn test_alerts_proves_delivery_to_a_probe_and_skips_what_it_cannot_observe() {
    let moto = Moto::start();
    let staging = env("staging");
    let aws = Aws::with_endpoint(&staging, Some(moto.endpoint())).unwrap();
    // Without the topic: a clear failure, nothing left behind.
    let out = xtask_stdin(&moto, &["test-alerts", "staging", "--format", "json"], "");
    out.expect(1);
    let sns = aws.sns();
    let topic = aws
        .block_on(sns.create_topic().name(&staging.names.alerts_topic).send())
        .unwrap();
    let topic = topic.topic_arn().unwrap();
    for s in &staging.monitoring.subscriptions {
        aws.block_on(
            sns.subscribe()
                .topic_arn(topic)
                .protocol(s.protocol.sns())
                .endpoint(&s.endpoint)
                .send(),
        )
        .unwrap();
    }
    let out = xtask_stdin(&moto, &["test-alerts", "staging", "--format", "json"], "");
    out.expect(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let checks = doc["checks"].as_array().unwrap();
    let by = |needle: &str| {
        checks
            .iter()
            .find(|c| c["check"].as_str().unwrap().contains(needle))
            .unwrap()
    };
    let probe = by("probe queue");
    assert_eq!(
        (probe["passed"].as_bool(), probe["skipped"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(probe["found"].as_str().unwrap().contains("received"));
    let email = by("delivery to email");
    assert_eq!(email["skipped"], true);
    assert!(email["found"]
        .as_str()
        .unwrap()
        .contains("cannot be observed"));
    let function = by("delivery to the function");
    assert_eq!(function["skipped"], true);
    assert!(
        function["found"].as_str().unwrap().contains("Docker"),
        "{function}"
    );
    // The probe is gone: its queue and its subscription.
    let queues = aws.block_on(aws.sqs().list_queues().send()).unwrap();
    assert!(queues
        .queue_urls()
        .iter()
        .all(|u| !u.ends_with(&staging.names.alert_probe_queue)));
    let subs = aws
        .block_on(sns.list_subscriptions_by_topic().topic_arn(topic).send())
        .unwrap();
    assert_eq!(
        subs.subscriptions().len(),
        staging.monitoring.subscriptions.len()
    );
}
