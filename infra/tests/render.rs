//! The rendered Terraform roots: fresh on disk, deterministic, carrying the seed's values, and
//! matching the module interfaces declared in `infra/modules/*/variables.tf` / `outputs.tf`.

use infra::environments::staging;
use infra::render::{self, GENERATED};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn envs() -> Vec<infra::Environment> {
    let report = infra::validate(infra::environments::all());
    assert!(report.ok(), "shipped environments must validate");
    report.environments
}

fn root(name: &str) -> Value {
    let env = envs().into_iter().find(|e| e.name == name).unwrap();
    render::root(&env)
}

#[test]
fn generated_files_are_fresh() {
    for f in render::files(&envs()) {
        let on_disk = std::fs::read_to_string(repo().join(&f.path)).unwrap_or_default();
        assert!(
            on_disk == f.content,
            "{} is stale: run `cargo xtask render` and commit the result",
            f.path
        );
        assert!(
            f.content.contains(GENERATED),
            "{} lacks the generated marker",
            f.path
        );
    }
}

#[test]
fn rendering_is_deterministic_and_sorted() {
    let (a, b) = (render::files(&envs()), render::files(&envs()));
    assert_eq!(a, b);
    let text = &a[0].content;
    let parsed: Value = serde_json::from_str(text).unwrap();
    let keys: Vec<&String> = parsed.as_object().unwrap().keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    // serde_json's map is sorted, so re-serialising must give the same text.
    assert_eq!(
        format!("{}\n", serde_json::to_string_pretty(&parsed).unwrap()),
        *text
    );
}

#[test]
fn backend_block_has_only_arguments_terraform_accepts() {
    for builder in infra::environments::all() {
        let name = builder.env_name();
        let r = root(name);
        let backend = r["terraform"]["backend"]["s3"].as_object().unwrap();
        let keys: BTreeSet<&str> = backend.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from(["bucket", "dynamodb_table", "encrypt", "key", "region"])
        );
        assert_eq!(backend["bucket"], format!("mht-terraform-state-{name}"));
        assert_eq!(
            backend["dynamodb_table"],
            format!("mht-terraform-locks-{name}")
        );
        assert_eq!(backend["key"], "infrastructure/terraform.tfstate");
        assert_eq!(backend["region"], "us-west-2");
        assert_eq!(r["provider"]["aws"]["region"], "us-west-2");
        assert_eq!(
            r["provider"]["aws"]["default_tags"]["tags"]["Environment"],
            name
        );
        assert_eq!(
            r["provider"]["aws"]["allowed_account_ids"][0],
            "123456789012"
        );
    }
}

#[test]
fn roots_carry_the_seed_values() {
    let (s, p) = (root("staging"), root("production"));
    let m = |r: &Value, module: &str, input: &str| r["module"][module][input].clone();
    assert_eq!(m(&s, "compute", "instance_type"), "t2.micro");
    assert_eq!(m(&p, "compute", "instance_type"), "t3.medium");
    // The instance count is the capacity of each colour while it is up (see the release test).
    let capacity = |r: &Value, n: u32| {
        let groups = m(r, "compute", "groups");
        groups.as_str().unwrap().contains(&format!(
            "timecmp(plantimestamp(), state.until) < 0 ? {n} : 0"
        ))
    };
    assert!(capacity(&s, 2) && capacity(&p, 3));
    assert_eq!(m(&s, "compute", "image"), "hashicorp/http-echo");
    assert_eq!(m(&p, "compute", "image"), "hashicorp/http-echo");
    // Staging rolls one instance at a time above its count; production's colours never surge.
    assert_eq!(m(&s, "compute", "surge"), 1);
    assert_eq!(m(&p, "compute", "surge"), 0);
    assert_eq!(m(&s, "compute", "log_group_name"), "/mht-api/staging/app");
    assert_eq!(
        m(&p, "compute", "log_group_name"),
        "/mht-api/production/app"
    );
    assert_eq!(m(&s, "network", "vpc_cidr"), "10.1.0.0/16");
    assert_eq!(m(&p, "network", "vpc_cidr"), "10.0.0.0/16");
    assert_eq!(
        m(&p, "network", "subnet_cidrs"),
        serde_json::json!(["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"])
    );
    assert_eq!(
        m(&s, "monitoring", "alarms")["dlq-depth"]["actions"][0],
        "arn:aws:sns:us-west-2:123456789012:staging-alerts"
    );
    assert_eq!(
        m(&p, "monitoring", "alarms")["dlq-depth"]["actions"][0],
        "arn:aws:sns:us-west-2:123456789012:production-alerts"
    );
    assert_eq!(m(&s, "monitoring", "sqs_log_retention_days"), 7);
    assert_eq!(m(&p, "monitoring", "sqs_log_retention_days"), 30);
    assert_eq!(m(&s, "s3", "log_retention_days"), 14);
    assert_eq!(m(&p, "s3", "log_retention_days"), 90);
    assert_eq!(m(&p, "s3", "lifecycle_transitions")[2]["days"], 365);
    assert_eq!(m(&p, "alb", "blue_green"), true);
    assert_eq!(m(&s, "alb", "blue_green"), false);
    assert_eq!(
        m(&s, "iam", "api_service_role_name"),
        "mht-api-staging-api-service-role"
    );
    assert_eq!(
        m(&p, "iam", "s3_access_role_name"),
        "mht-api-production-s3-access-role"
    );
    assert_eq!(m(&s, "dns", "zone_id"), m(&p, "dns", "zone_id"));
}

/// `variable "x"` / `output "x"` names in an HCL file, and which variables have defaults.
fn declared(path: &Path, block: &str) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut out = Vec::new();
    for chunk in text.split(&format!("{block} \"")).skip(1) {
        let name = chunk.split('"').next().unwrap().to_string();
        let body = chunk.split("\n}").next().unwrap();
        if block == "variable" {
            assert!(
                body.contains("description ="),
                "{}: `{name}` has no description",
                path.display()
            );
            assert!(
                body.contains("type "),
                "{}: `{name}` has no type",
                path.display()
            );
        }
        out.push((name, body.contains("default ")));
    }
    out
}

#[test]
fn module_calls_match_module_interfaces() {
    let modules_dir = repo().join("infra/modules");
    for env in envs() {
        let r = render::root(&env);
        let calls = r["module"].as_object().unwrap();
        let mut on_disk: Vec<String> = std::fs::read_dir(&modules_dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let called: Vec<String> = calls.keys().cloned().collect();
        assert_eq!(called, on_disk, "every module is called once");
        for (module, inputs) in calls {
            let dir = modules_dir.join(module);
            let vars = declared(&dir.join("variables.tf"), "variable");
            let given: BTreeSet<&str> = inputs
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "source")
                .collect();
            for g in &given {
                assert!(
                    vars.iter().any(|(v, _)| v == g),
                    "{module}: input `{g}` is not a declared variable"
                );
            }
            for (v, has_default) in &vars {
                assert!(
                    *has_default || given.contains(v.as_str()),
                    "{module}: required variable `{v}` is not set"
                );
            }
            for f in ["outputs.tf", "versions.tf", "README.md"] {
                assert!(dir.join(f).exists(), "{module}: missing {f}");
            }
        }
        // Every `${module.m.o}` reference names a declared output.
        let text = r.to_string();
        for reference in text.split("${module.").skip(1) {
            let path = reference.split('}').next().unwrap();
            let (module, output) = path.split_once('.').unwrap();
            // An element of a map output: `target_group_arn_suffixes.blue`.
            let output = output.split(['[', '.']).next().unwrap();
            let outputs = declared(&modules_dir.join(module).join("outputs.tf"), "output");
            assert!(
                outputs.iter().any(|(o, _)| o == output),
                "`module.{path}` is not an output of {module}"
            );
        }
    }
}

#[test]
fn readme_lists_every_setting() {
    let env = staging().build().unwrap();
    let readme = render::files(std::slice::from_ref(&env))
        .into_iter()
        .find(|f| f.path.ends_with("README.md"))
        .unwrap();
    for s in env.settings() {
        assert!(
            readme.content.contains(&format!("`{}`", s.path)),
            "README lacks {}",
            s.path
        );
    }
    assert!(readme
        .content
        .contains("s3://mht-terraform-state-staging/infrastructure/terraform.tfstate"));
}

/// A declared role reaches Terraform twice: the provider's `assume_role` block and the S3
/// backend's `assume_role` object (Terraform 1.6 and later), with the ARN a role name resolves
/// to in the environment's account; without a role, neither has one.
#[test]
fn a_declared_role_is_assumed_by_the_provider_and_the_backend() {
    let env = staging()
        .account("111111111111")
        .assume_role_with("mht-deployer", |r| r.session_name = Some("mht-ci".into()))
        .build()
        .unwrap();
    let root = render::root(&env);
    let expected = serde_json::json!({
        "role_arn": "arn:aws:iam::111111111111:role/mht-deployer",
        "session_name": "mht-ci",
    });
    assert_eq!(root["provider"]["aws"]["assume_role"], expected);
    assert_eq!(root["terraform"]["backend"]["s3"]["assume_role"], expected);
    assert_eq!(
        root["provider"]["aws"]["allowed_account_ids"],
        serde_json::json!(["111111111111"])
    );
    assert_eq!(root["terraform"]["required_version"], ">= 1.6.0");
    let shipped = self::root("staging");
    assert_eq!(shipped["provider"]["aws"]["assume_role"], Value::Null);
    assert_eq!(
        shipped["terraform"]["backend"]["s3"]["assume_role"],
        Value::Null
    );
}

/// Every alarm action of a rendered root, with its alarm's key.
fn alarm_actions(root: &Value) -> Vec<(String, String)> {
    let alarms = root["module"]["monitoring"]["alarms"].as_object().unwrap();
    alarms
        .iter()
        .flat_map(|(k, a)| {
            a["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |arn| (k.clone(), arn.as_str().unwrap().to_string()))
        })
        .collect()
}

#[test]
fn no_alarm_notifies_another_environments_topic() {
    let envs = envs();
    for env in &envs {
        let actions = alarm_actions(&render::root(env));
        assert!(
            !actions.is_empty(),
            "{}: no alarm notifies anyone",
            env.name
        );
        for (alarm, arn) in &actions {
            for other in envs.iter().filter(|o| o.name != env.name) {
                assert_ne!(
                    arn,
                    &other.alerts_topic_arn(),
                    "{}: alarm {alarm} notifies {}'s topic",
                    env.name,
                    other.name
                );
            }
            assert!(
                env.alarm_actions().contains(arn),
                "{}: {alarm} notifies {arn}",
                env.name
            );
        }
    }
}

#[test]
fn staging_notifies_critical_alarms_only_and_production_all() {
    let staging = envs().into_iter().find(|e| e.name == "staging").unwrap();
    let root_json = render::root(&staging);
    let alarms = root_json["module"]["monitoring"]["alarms"]
        .as_object()
        .unwrap();
    for a in staging.alarms() {
        let actions = alarms[a.rule.kind.slug()]["actions"].as_array().unwrap();
        let critical = a.rule.severity == infra::model::Severity::Critical;
        assert_eq!(!actions.is_empty(), critical, "staging {}", a.name);
    }
    let production = root("production");
    let alarms = production["module"]["monitoring"]["alarms"]
        .as_object()
        .unwrap();
    assert_eq!(alarms.len(), infra::model::AlarmKind::ALL.len());
    assert!(alarms
        .values()
        .all(|a| a["actions"].as_array().is_some_and(|v| !v.is_empty())));
}

#[test]
fn the_function_reads_its_webhook_from_ssm_and_the_root_never_holds_a_value() {
    for name in ["staging", "production"] {
        let r = root(name);
        let discord = &r["module"]["monitoring"]["discord"];
        assert_eq!(discord["enabled"], Value::Bool(true));
        assert_eq!(
            discord["parameter_name"],
            Value::String(format!("/mht-api/{name}/discord-webhook"))
        );
        let text = r.to_string();
        assert!(
            !text.contains("discord.com/api/webhooks"),
            "{name}: a webhook URL in the root"
        );
        // The root's one parameter is the release state, never the webhook's.
        let parameters = r["resource"]["aws_ssm_parameter"].as_object().unwrap();
        assert_eq!(parameters.keys().collect::<Vec<_>>(), ["release"], "{name}");
        assert_eq!(
            parameters["release"]["name"],
            format!("/mht-api/{name}/release")
        );
    }
    let module = std::fs::read_to_string(repo().join("infra/modules/monitoring/main.tf")).unwrap();
    assert!(
        !module.contains("resource \"aws_ssm_parameter\""),
        "the module must not own the secret"
    );
    assert!(module.contains("policy = var.discord.policy"));
    let staging = infra::environments::staging().build().unwrap();
    let policy: Value = serde_json::from_str(
        root("staging")["module"]["monitoring"]["discord"]["policy"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        policy["Statement"][1],
        serde_json::json!({
            "Sid": "WebhookParameter",
            "Effect": "Allow",
            "Action": ["ssm:GetParameter"],
            "Resource": [format!(
                "arn:aws:ssm:us-west-2:{}:parameter/mht-api/staging/discord-webhook",
                staging.account_id
            )],
        })
    );
}

/// The release state: an SSM parameter the root creates with the initial state and then leaves
/// to `deploy` and `rollback` (ignore_changes), decoded into `local.release` unless
/// `var.release` overrides it for a plan.
#[test]
fn the_release_state_is_a_parameter_terraform_reads_and_never_reverts() {
    use infra::release::{ReleaseState, NO_END};
    for env in envs() {
        let r = render::root(&env);
        let parameter = &r["resource"]["aws_ssm_parameter"]["release"];
        assert_eq!(
            parameter["name"], env.names.release_parameter,
            "{}",
            env.name
        );
        assert_eq!(parameter["type"], "String");
        assert_eq!(
            parameter["lifecycle"]["ignore_changes"],
            serde_json::json!(["insecure_value"])
        );
        let state =
            ReleaseState::parse(&env, parameter["insecure_value"].as_str().unwrap()).unwrap();
        assert_eq!(state, ReleaseState::initial(&env));
        assert_eq!(state.live, env.names.colours[0]);
        assert_eq!(state.live_version(), env.deployment.initial_version);
        assert!(state.colours.values().all(|c| c.until == NO_END));
        assert_eq!(
            r["variable"]["release"],
            serde_json::json!({
                "description": "Release state to plan with instead of the parameter's (set by `cargo xtask deploy --version`)",
                "type": "string",
                "default": null,
            })
        );
        assert_eq!(
            r["locals"]["release"],
            "${jsondecode(var.release != null ? var.release : aws_ssm_parameter.release.insecure_value)}"
        );
        assert_eq!(
            r["module"]["alb"]["weights"],
            "${{ for colour, state in local.release.colours : colour => state.weight }}"
        );
    }
}

/// Rolling keeps one group under the names it had; blue-green has a group, launch template and
/// target group per colour. `moved` blocks carry a deployed environment's resources over.
#[test]
fn groups_are_named_by_colour_and_moved_from_the_single_group() {
    let (s, p) = (root("staging"), root("production"));
    let rehearsal = render::root(
        &staging()
            .deployment(|d| d.blue_green = true)
            .build()
            .unwrap(),
    );
    for (r, env, colours) in [
        (&s, "staging", &["app"][..]),
        (&p, "production", &["blue", "green"][..]),
        (&rehearsal, "staging", &["blue", "green"][..]),
    ] {
        let groups = r["module"]["compute"]["groups"].as_str().unwrap();
        let tgs = r["module"]["alb"]["target_group_names"]
            .as_object()
            .unwrap();
        assert_eq!(tgs.keys().collect::<Vec<_>>(), colours, "{env}");
        let mut moved = vec![
            serde_json::json!({"from": "module.compute.aws_launch_template.this", "to": format!("module.compute.aws_launch_template.this[\"{}\"]", colours[0])}),
            serde_json::json!({"from": "module.compute.aws_autoscaling_group.this", "to": format!("module.compute.aws_autoscaling_group.this[\"{}\"]", colours[0])}),
        ];
        for c in colours {
            let suffix = if *c == "app" {
                String::new()
            } else {
                format!("-{c}")
            };
            let (lt, asg) = (
                format!("mht-api-{env}-lt{suffix}"),
                format!("mht-api-{env}-asg{suffix}"),
            );
            let group = format!(
                "\"{c}\":{{\"autoscaling_group_name\":\"{asg}\",\"launch_template_name\":\"{lt}\"}}"
            );
            assert!(groups.contains(&group), "{env}: {group} not in {groups}");
            let tg = format!("mht-api-{env}-tg-{c}");
            assert_eq!(tgs[*c], tg.as_str());
            moved.push(serde_json::json!({
                "from": format!("module.alb.aws_lb_target_group.this[\"{tg}\"]"),
                "to": format!("module.alb.aws_lb_target_group.this[\"{c}\"]"),
            }));
        }
        assert_eq!(r["moved"], Value::Array(moved), "{env}");
        // Each colour runs its own version, at the instance count while up and inside its
        // rollback window, else none.
        assert!(
            groups.starts_with("${{ for colour, state in local.release.colours : colour => merge(")
        );
        assert!(groups.contains("version = state.version"));
        assert!(
            groups.contains("capacity = state.up && timecmp(plantimestamp(), state.until) < 0 ?")
        );
    }
    assert_eq!(rehearsal["module"]["compute"]["surge"], 0);
}
