//! Releases on moto, once both environments run their first version (deployed side by side):
//! staging rolls; production goes blue-green, rolls back, refuses unhealthy targets and undoes
//! a shift when the new colour answers too many 5xx or the 5xx alarm fires; a rollback during a deploy's release is refused.

use super::deploy::{checkout, run};
use crate::support::fixtures::env;
use crate::support::{Moto, Output};
use serde_json::Value;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// `xtask <args>` with `production` typed at the terminal (its confirmation).
fn typed(r: &Path, ep: &str, args: &[&str]) -> Output {
    run(r, ep, &[], "production\n", args)
}

fn status(r: &Path, ep: &str) -> Value {
    let out = run(
        r,
        ep,
        &[],
        "",
        &["status", "production", "--format", "json"],
    );
    serde_json::from_str(&out.expect(0).stdout).unwrap_or_else(|e| panic!("{e}: {}", out.all()))
}

/// The colour entry `name` of a `status --format json` document.
fn colour<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["colours"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["colour"] == name)
        .unwrap_or_else(|| panic!("no colour {name} in {doc:#}"))
}

/// Traffic all on `live`, which runs `version`, and no drift.
fn live_on(r: &Path, ep: &str, live: &str, version: &str) -> Value {
    let doc = status(r, ep);
    assert_eq!(
        (&doc["live"], &doc["version"]),
        (&Value::from(live), &Value::from(version)),
        "{doc:#}"
    );
    assert_eq!(colour(&doc, live)["listener_weight"], 100, "{doc:#}");
    run(
        r,
        ep,
        &[],
        "",
        &["validate", "--live", "--env", "production"],
    )
    .expect(0)
    .contains("clean");
    doc
}

/// The instances of production's auto scaling group of `colour`.
fn instances(ep: &str, colour: &str) -> Vec<String> {
    let p = env("production");
    let aws = xtask::aws::Aws::with_endpoint(&p, Some(ep.to_string())).unwrap();
    xtask::fleet::Fleet::new(&aws, &p)
        .group(colour)
        .unwrap()
        .instances
}

/// Stop an EC2 instance on moto (which then reports its target unhealthy). The SDK has no EC2
/// client here; moto takes the query API unsigned, its region from the credential scope.
fn stop_instance(ep: &str, id: &str) {
    let region = env("production").region;
    ureq::post(ep)
        .header(
            "Authorization",
            format!("AWS4-HMAC-SHA256 Credential=test/20260101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .send_form([
            ("Action", "StopInstances"),
            ("Version", "2016-11-15"),
            ("InstanceId.1", id),
        ])
        .unwrap();
}

/// Until `done`, stop every instance of `colour` that is not in `known` as soon as it appears.
fn stop_new_instances(
    ep: &str,
    colour: &str,
    done: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    let (ep, colour) = (ep.to_string(), colour.to_string());
    let known = instances(&ep, &colour);
    std::thread::spawn(move || {
        let mut stopped = Vec::new();
        while !done.load(Ordering::SeqCst) {
            for id in instances(&ep, &colour) {
                if !known.contains(&id) && !stopped.contains(&id) {
                    stop_instance(&ep, &id);
                    stopped.push(id);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        stopped
    })
}

/// The seconds in `… 0.4 s of tool time from the command to the shift …` (a panic when the
/// figure is missing).
fn tool_seconds(out: &Output) -> f64 {
    let text = &out.stdout;
    let before = &text[..text
        .find(" s of tool time")
        .unwrap_or_else(|| panic!("{text}"))];
    before.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Staging rolls to 2.0; production releases it blue-green, rolls back inside the window,
/// refuses a version whose targets are unhealthy and undoes a shift its own 5xx share or the
/// 5xx alarm objects to.
#[test]
fn staging_rolls_production_switches_rolls_back_and_refuses_bad_versions() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let root = checkout();
    let r = root.path();
    for name in ["staging", "production"] {
        run(r, &ep, &[], "", &["setup-backend", name]).expect(0);
    }
    // Both first versions at once; production is protected: CI=true for --yes, and the gate
    // skipped (staging deploys beside it).
    std::thread::scope(|s| {
        let a = s.spawn(|| run(r, &ep, &[], "", &["deploy", "staging", "--yes"]));
        let b = s.spawn(|| {
            let ci = [("CI", "true")];
            run(
                r,
                &ep,
                &ci,
                "",
                &["deploy", "production", "--yes", "--skip-promotion-gate"],
            )
        });
        for out in [a.join().unwrap(), b.join().unwrap()] {
            out.expect(0).contains("result: success");
        }
    });
    staging_rolls(r, &ep);
    production_releases_and_rolls_back(r, &ep);
    production_refuses_bad_releases(r, &ep);
}

fn staging_rolls(r: &Path, ep: &str) {
    run(
        r,
        ep,
        &[],
        "",
        &["deploy", "staging", "--yes", "--version", "2.0"],
    )
    .expect(0)
    .contains("rolling batch 2/2")
    .contains("rolled: 2 instance(s) replaced")
    .contains("post-deploy checks: ")
    .contains(" 0 failed");
    run(r, ep, &[], "", &["validate", "--live", "--env", "staging"])
        .expect(0)
        .contains("clean");
    // A release state of other colours (as staging leaves after rehearsing blue-green and
    // switching it off): `validate --live` names the carry-over as drift, the next deploy
    // carries it over, and then there is none.
    put_release_state(
        ep,
        "staging",
        r#"{"schema":1,"live":"green","colours":{"blue":{"version":"1.0","weight":0,"up":false,"until":"9999-12-31T23:59:59Z"},"green":{"version":"2.0","weight":100,"up":true,"until":"9999-12-31T23:59:59Z"}}}"#,
    );
    run(r, ep, &[], "", &["validate", "--live", "--env", "staging"])
        .expect(2)
        .contains("carry-over release state: version 2.0 onto app");
    run(r, ep, &[], "", &["deploy", "staging", "--yes"])
        .expect(0)
        .contains("carried over, version 2.0 on app");
    run(r, ep, &[], "", &["validate", "--live", "--env", "staging"])
        .expect(0)
        .contains("clean");
    // The gate is per version: one staging never ran is refused before Terraform.
    typed(r, ep, &["deploy", "production", "--version", "9.9"])
        .expect(1)
        .contains("with version 9.9 has no successful deployment to `staging`")
        .contains("cargo xtask deploy staging --version 9.9");
}

fn production_releases_and_rolls_back(r: &Path, ep: &str) {
    // Before: blue live at the initial version, green down (the deploy above left no drift).
    let before = status(r, ep);
    assert_eq!(
        (&before["live"], &before["version"]),
        (&Value::from("blue"), &Value::from("0.2.3")),
        "{before:#}"
    );
    assert_eq!(colour(&before, "green")["desired"], 0, "{before:#}");

    // 2.0 on green: healthy, shifted in two steps, blue kept for the window; both recorded.
    typed(
        r,
        ep,
        &[
            "deploy",
            "production",
            "--version",
            "2.0",
            "--canary",
            "50,100",
        ],
    )
    .expect(0)
    .contains("green: version 2.0")
    .contains("traffic: green 50 %, blue 50 %")
    .contains("live: green (2.0); blue (0.2.3) stays up for rollback until");
    let after = live_on(r, ep, "green", "2.0");
    let blue = colour(&after, "blue");
    assert_eq!(
        (&blue["version"], &blue["desired"], &blue["healthy"]),
        (&Value::from("0.2.3"), &Value::from(3), &Value::from(3)),
        "{after:#}"
    );
    let left = blue["rollback_window_seconds_left"].as_i64().unwrap();
    assert!((1..=300).contains(&left), "{after:#}");
    assert!(blue["scale_down_at"].is_string(), "{after:#}");
    run(r, ep, &[], "", &["history", "production"])
        .expect(0)
        .contains("blue → green (2.0)")
        .contains("0.2.3");

    // Back to blue in one step; the tool's time is reported (`bench` measures it).
    let back = typed(r, ep, &["rollback", "production"]);
    back.expect(0)
        .contains("rolled back: `blue` (version 0.2.3) takes all traffic");
    tool_seconds(&back);
    let rolled = live_on(r, ep, "blue", "0.2.3");
    assert!(
        colour(&rolled, "green")["rollback_window_seconds_left"]
            .as_i64()
            .unwrap()
            > 0
    );
    assert_eq!(rolled["last_record"]["action"], "rollback", "{rolled:#}");
}

fn production_refuses_bad_releases(r: &Path, ep: &str) {
    // 3.0's targets never become healthy (their instances stopped as they launch): nothing
    // shifts, exit 1, blue still live.
    let done = Arc::new(AtomicBool::new(false));
    let stopper = stop_new_instances(ep, "green", done.clone());
    // A rollback while this deploy holds the release lock (its plan, apply, health wait) is
    // refused at once: its shift would be undone by the deploy's own undo.
    let during = {
        let (r, ep) = (r.to_path_buf(), ep.to_string());
        std::thread::spawn(move || {
            let deadline = std::time::Instant::now() + Duration::from_secs(60);
            let releasing = |ep: &str| {
                super::interrupt::release_lock_held(ep, "production")
                    .is_some_and(|l| l.operation == "deploy --version 3.0")
            };
            while !releasing(&ep) {
                assert!(
                    std::time::Instant::now() < deadline,
                    "the deploy never took the release lock"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            run(
                &r,
                &ep,
                &[("CI", "true")],
                "",
                &["rollback", "production", "--yes"],
            )
        })
    };
    let out = typed(
        r,
        ep,
        &[
            "deploy",
            "production",
            "--version",
            "3.0",
            "--skip-promotion-gate",
        ],
    );
    done.store(true, Ordering::SeqCst);
    let stopped = stopper.join().unwrap();
    out.expect(1)
        .contains("`green` did not become healthy within 10 s")
        .contains("Target.InvalidState")
        .contains("no traffic moved: `blue` (0.2.3) takes all traffic; `green` is scaled to zero");
    assert_eq!(stopped.len(), 3, "{stopped:?}");
    during
        .join()
        .unwrap()
        .expect(1)
        .contains("refusing to roll back `production`: its release lock is held by ")
        .contains(" for deploy --version 3.0 since ")
        .contains("cargo xtask unlock production ");
    assert!(
        super::interrupt::release_lock_held(ep, "production").is_none(),
        "the failed deploy left its release lock"
    );
    let failed = status(r, ep);
    assert_eq!(failed["live"], "blue", "{failed:#}");
    let green = colour(&failed, "green");
    assert_eq!(
        (&green["version"], &green["up"], &green["desired"]),
        (&Value::from("3.0"), &Value::from(false), &Value::from(0)),
        "{failed:#}"
    );

    // Green answers half its requests with a 5xx once traffic reaches it: its own share is
    // above the alarm's 5 % at the first step (the alarm, which moto never evaluates, stays
    // OK), so the shift to 3.1 is undone and blue keeps all traffic.
    five_xx_answers(ep, "green", 10.0, 20.0);
    typed(r, ep, &["deploy", "production", "--version", "3.1", "--skip-promotion-gate", "--canary", "50,100"])
        .expect(1)
        .contains("emulator: moto records no load balancer metrics")
        .contains("traffic: green 50 %, blue 50 %")
        .contains("requests with a 5xx since the shift (50.0 %, above the 5xx alarm's 5 %) at 50 % on `green` (3.1): the shift is undone, `blue` (0.2.3) takes all traffic; `green` is scaled to zero");
    live_on(r, ep, "blue", "0.2.3");

    // The 5xx alarm in ALARM during the bake: the shift to 3.2 is undone, blue keeps traffic.
    set_five_xx_alarm(ep, "ALARM");
    typed(r, ep, &["deploy", "production", "--version", "3.2", "--skip-promotion-gate", "--canary", "50,100"])
        .expect(1)
        .contains("traffic: green 50 %, blue 50 %")
        .contains("the 5xx alarm `mht-api-production-alb-5xx-rate` is in ALARM at 50 % on `green` (3.2): the shift is undone, `blue` (0.2.3) takes all traffic; `green` is scaled to zero");
    set_five_xx_alarm(ep, "OK");
    live_on(r, ep, "blue", "0.2.3");
    // Green's errors drowned in good answers from here on: 10 in 10 020 requests a minute.
    five_xx_answers(ep, "green", 0.0, 10_000.0);

    // Blue's launch template changed behind Terraform's back: the deploy that puts it back
    // releases the running version onto green with the new template, blue kept for the window.
    new_template_version(ep, "blue");
    typed(r, ep, &["deploy", "production", "--skip-promotion-gate"])
        .expect(0)
        .contains("the launch template of live `blue` changes in place: released like a version, 0.2.3 onto `green`")
        .contains("live: green (0.2.3); blue (0.2.3) stays up for rollback until");
    live_on(r, ep, "green", "0.2.3");
    live_on(r, ep, "green", "0.2.3");
}

/// What AWS publishes when production's `colour` answers `errors` of `requests` with a 5xx in
/// a minute: its target group's one-minute sums, put into CloudWatch for each of the next ten
/// minutes (moto publishes no load balancer metrics of its own).
fn five_xx_answers(ep: &str, colour: &str, errors: f64, requests: f64) {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
    let p = env("production");
    let aws = xtask::aws::Aws::with_endpoint(&p, Some(ep.to_string())).unwrap();
    let at = p.names.colours.iter().position(|c| c == colour).unwrap();
    let elb = aws.elb();
    let groups = aws.block_on(
        elb.describe_target_groups()
            .names(&p.names.target_groups[at])
            .send(),
    );
    let lbs = aws.block_on(elb.describe_load_balancers().names(&p.names.alb).send());
    let suffix = |arn: Option<&str>| arn.unwrap().rsplit_once(':').unwrap().1.to_string();
    let tg = suffix(groups.unwrap().target_groups()[0].target_group_arn());
    let lb = suffix(lbs.unwrap().load_balancers()[0].load_balancer_arn());
    let dimensions = vec![
        Dimension::builder().name("TargetGroup").value(tg).build(),
        Dimension::builder()
            .name("LoadBalancer")
            .value(lb.trim_start_matches("loadbalancer/"))
            .build(),
    ];
    let now = xtask::git::unix_now() / 60 * 60;
    let data: Vec<MetricDatum> = (0..10)
        .flat_map(|minute| {
            [
                ("HTTPCode_Target_5XX_Count", errors),
                ("RequestCount", requests),
            ]
            .map(|(name, value)| {
                MetricDatum::builder()
                    .metric_name(name)
                    .set_dimensions(Some(dimensions.clone()))
                    .timestamp(DateTime::from_secs(now + 60 * minute))
                    .value(value)
                    .build()
            })
        })
        .collect();
    aws.block_on(
        aws.cloudwatch()
            .put_metric_data()
            .namespace("AWS/ApplicationELB")
            .set_metric_data(Some(data))
            .send(),
    )
    .unwrap();
}

/// A launch template version of production's `colour` with another instance type, made as a
/// hand in the console would (the query API, unsigned, as [`stop_instance`]).
fn new_template_version(ep: &str, colour: &str) {
    let p = env("production");
    let at = p.names.colours.iter().position(|c| c == colour).unwrap();
    let region = &p.region;
    ureq::post(ep)
        .header(
            "Authorization",
            format!("AWS4-HMAC-SHA256 Credential=test/20260101/{region}/ec2/aws4_request, SignedHeaders=host, Signature=0"),
        )
        .send_form([
            ("Action", "CreateLaunchTemplateVersion"),
            ("Version", "2016-11-15"),
            ("LaunchTemplateName", p.names.launch_templates[at].as_str()),
            ("LaunchTemplateData.InstanceType", "t3.nano"),
        ])
        .unwrap();
}

/// Overwrite `name`'s release state parameter with `json`, as another run would.
fn put_release_state(ep: &str, name: &str, json: &str) {
    let e = env(name);
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(ep.to_string())).unwrap();
    aws.block_on(
        aws.ssm()
            .put_parameter()
            .name(&e.names.release_parameter)
            .value(json)
            .overwrite(true)
            .send(),
    )
    .unwrap();
}

/// Set production's 5xx alarm to `state` (moto evaluates no metrics; the state is what counts).
fn set_five_xx_alarm(ep: &str, state: &str) {
    let p = env("production");
    let aws = xtask::aws::Aws::with_endpoint(&p, Some(ep.to_string())).unwrap();
    let name = p.names.alarm(infra::model::AlarmKind::Alb5xxRate).unwrap();
    aws.block_on(
        aws.cloudwatch()
            .set_alarm_state()
            .alarm_name(name)
            .state_value(state.into())
            .state_reason("test")
            .send(),
    )
    .unwrap();
}
