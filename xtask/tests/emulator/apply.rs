//! The real thing on the emulator: both rendered roots initialised with the S3 backend on moto,
//! applied, checked through the emulator's APIs, planned again (no perpetual diff), and
//! staging destroyed while production stays. Terraform really runs; only the endpoint differs.

use crate::support::fixtures::env;
use crate::support::{copy_tree, repo, xtask_local, Moto, TempDir};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use xtask::aws::Aws;
use xtask::project::Project;

/// `terraform <args>` in `env`'s root; returns the exit code and the combined output.
fn terraform(project: &Project, name: &str, args: &[&str]) -> (i32, String) {
    let dir = project.root.join(infra::render::root_dir(name));
    let mut cmd = Command::new("terraform");
    cmd.args(args)
        .current_dir(&dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("TF_INPUT", "0");
    if let Some(config) = xtask::terraform::cli_config(project).unwrap() {
        cmd.env("TF_CLI_CONFIG_FILE", config);
    }
    let out = cmd.output().expect("terraform on PATH");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn ok(project: &Project, name: &str, args: &[&str]) -> String {
    let (code, text) = terraform(project, name, args);
    assert_eq!(code, 0, "terraform {args:?} in {name}:\n{text}");
    text
}

/// Every managed resource's `arn` and `id` in a root's state.
fn managed_ids(project: &Project, name: &str) -> BTreeSet<String> {
    let text = ok(project, name, &["show", "-json", "-no-color"]);
    let state: serde_json::Value =
        serde_json::from_str(text.lines().last().unwrap_or("{}")).unwrap();
    let mut out = BTreeSet::new();
    let mut modules = vec![state["values"]["root_module"].clone()];
    while let Some(m) = modules.pop() {
        for r in m["resources"].as_array().into_iter().flatten() {
            // A certificate validation's id is the time it finished, not a resource.
            if r["mode"] == "managed" && r["type"] != "aws_acm_certificate_validation" {
                for key in ["arn", "id"] {
                    if let Some(v) = r["values"][key].as_str() {
                        out.insert(v.to_string());
                    }
                }
            }
        }
        modules.extend(m["child_modules"].as_array().into_iter().flatten().cloned());
    }
    out
}

/// Facts read from the emulator's EC2, ELB, IAM, Logs and DynamoDB APIs (boto3 ships with moto).
fn facts(endpoint: &str) -> serde_json::Value {
    let script = r#"
import boto3, json, sys
kw = dict(endpoint_url=sys.argv[1], region_name="us-west-2", aws_access_key_id="test", aws_secret_access_key="test")
ec2, elb, iam, logs, ddb = (boto3.client(s, **kw) for s in ("ec2", "elbv2", "iam", "logs", "dynamodb"))
templates = json.loads(sys.argv[2])

def hardening(env, lbs, vpc_ids):
    attrs = {a["Key"]: a["Value"] for l in lbs for a in elb.describe_load_balancer_attributes(LoadBalancerArn=l["LoadBalancerArn"])["Attributes"]}
    default_sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": vpc_ids}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    flows = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": vpc_ids}])["FlowLogs"]
    lt = ec2.describe_launch_template_versions(LaunchTemplateName=templates[env], Versions=["$Latest"])["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    return {
        "alb_deletion_protection": attrs.get("deletion_protection.enabled"),
        "alb_access_logs": [attrs.get("access_logs.s3.enabled"), attrs.get("access_logs.s3.bucket"), attrs.get("access_logs.s3.prefix")],
        "table_deletion_protection": ddb.describe_table(TableName=f"mht-api-{env}-app")["Table"].get("DeletionProtectionEnabled", False),
        "default_sg_rules": [len(g["IpPermissions"]) + len(g["IpPermissionsEgress"]) for g in default_sg],
        "flow_logs": sorted((f["LogDestinationType"], f["LogDestination"], f["TrafficType"]) for f in flows),
        "imds": [lt["MetadataOptions"]["HttpTokens"], lt["MetadataOptions"]["HttpPutResponseHopLimit"]],
        "root_volumes_encrypted": [b["Ebs"].get("Encrypted") for b in lt.get("BlockDeviceMappings", [])],
    }

out = {}
for env in ("staging", "production"):
    tag = [{"Name": "tag:Environment", "Values": [env]}]
    inst = [i for r in ec2.describe_instances(Filters=tag + [{"Name": "instance-state-name", "Values": ["pending", "running"]}])["Reservations"] for i in r["Instances"]]
    vpcs = ec2.describe_vpcs(Filters=tag)["Vpcs"]
    vpc_ids = [v["VpcId"] for v in vpcs] or ["none"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["Subnets"]
    lbs = [l for l in elb.describe_load_balancers()["LoadBalancers"] if env in l["LoadBalancerName"]]
    out[env] = {
        "hardening": hardening(env, lbs, vpc_ids) if lbs else None,
        "instance_types": sorted(i["InstanceType"] for i in inst),
        "vpc_cidrs": sorted(v["CidrBlock"] for v in vpcs),
        "subnets": sorted((s["CidrBlock"], s["AvailabilityZone"]) for s in subnets),
        "load_balancers": sorted(l["LoadBalancerName"] for l in lbs),
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"] if f"-{env}-" in r["RoleName"]),
        "role_policies": {r: iam.get_role_policy(RoleName=r, PolicyName=p)["PolicyDocument"] for r in (r["RoleName"] for r in iam.list_roles()["Roles"] if f"-{env}-" in r["RoleName"]) for p in iam.list_role_policies(RoleName=r)["PolicyNames"]},
        "groups": sorted([g["GroupName"], [p["PolicyName"] for p in iam.list_attached_group_policies(GroupName=g["GroupName"])["AttachedPolicies"]]] for g in iam.list_groups()["Groups"] if f"-{env}-" in g["GroupName"]),
        "log_groups": sorted((g["logGroupName"], g.get("retentionInDays")) for g in logs.describe_log_groups(logGroupNamePrefix=f"/mht-api/{env}/")["logGroups"]),
    }
print(json.dumps(out))
"#;
    // The launch template of each environment's first colour (`-lt`, or `-lt-blue`).
    let templates: serde_json::Map<String, serde_json::Value> = ["staging", "production"]
        .into_iter()
        .map(|name| {
            (
                name.into(),
                env(name).names.launch_templates[0].clone().into(),
            )
        })
        .collect();
    let templates = serde_json::Value::Object(templates).to_string();
    let out = Command::new("python3")
        .args(["-c", script, endpoint, &templates])
        .output()
        .expect("python3 with boto3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every bucket policy Terraform applied (and `setup-backend` wrote, for the state bucket) is
/// exactly the one document the model defines, as the emulator gets it.
fn bucket_policies_are_the_models(endpoint: &str, name: &str) {
    let e = env(name);
    let aws = Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    for spec in infra::expect::buckets(&e) {
        let expected = infra::expect::bucket_policy(&spec.on_emulator());
        let live = aws
            .block_on(aws.s3().get_bucket_policy().bucket(&spec.name).send())
            .map(|r| serde_json::from_str::<serde_json::Value>(r.policy().unwrap()).unwrap());
        match live {
            Ok(live) => assert_eq!(live, expected, "{}", spec.name),
            // No statements, no policy (the state and data buckets on the emulator).
            Err(_) => assert_eq!(
                expected["Statement"],
                serde_json::json!([]),
                "{}",
                spec.name
            ),
        }
    }
}

/// A webhook URL no other text contains, to search the state and plan output for.
fn webhook(name: &str) -> String {
    format!("https://discord.com/api/webhooks/4242/apply-{name}-recognisable-token")
}

/// `secrets set discord-webhook <env>` with the value piped in.
fn set_webhook(endpoint: &str, name: &str) {
    let root = TempDir::checkout("secret");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["--local", "secrets", "set", "discord-webhook", name])
        .env("MHT_ROOT", root.path())
        .env("MHT_LOCAL_ENDPOINT", endpoint)
        .env_remove("MHT_ENV")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    std::io::Write::write_all(&mut stdin, webhook(name).as_bytes()).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The alerts reach the probe through the environment's own topic; every alarm the model
/// declares exists with the model's actions; the function reads its webhook's name only.
fn alerts_reach_people(endpoint: &str, name: &str) {
    xtask_local(endpoint, &["test-alerts", name])
        .expect(0)
        .contains("delivery to the probe queue");
    let out = xtask_local(endpoint, &["alarms", name, "--format", "json"]);
    out.expect(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let e = env(name);
    let live = doc["alarms"].as_array().unwrap();
    assert_eq!(live.len(), e.alarms().len(), "{name}: {doc}");
    for (row, declared) in live.iter().zip(e.alarms()) {
        assert_eq!(row["name"], declared.name);
        assert_eq!(
            row["actions"],
            serde_json::json!(declared.actions),
            "{name}: {row}"
        );
        assert_eq!(
            row["threshold"],
            declared.rule.cloudwatch_threshold(),
            "{name}: {row}"
        );
    }
    let script = "import boto3, json, sys; c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-west-2', aws_access_key_id='test', aws_secret_access_key='test').get_function_configuration(FunctionName=sys.argv[2]); print(json.dumps([c['Role'], c['Environment']['Variables']]))";
    let out = Command::new("python3")
        .args(["-c", script, endpoint, &e.names.alarm_function])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(config[0]
        .as_str()
        .unwrap()
        .ends_with(&format!("role/{}", e.names.alarm_function_role)));
    assert_eq!(
        config[1],
        serde_json::json!({"ENVIRONMENT": name, "WEBHOOK_PARAMETER": e.names.webhook_parameter})
    );
}

/// The webhook is nowhere in the environment's Terraform state.
fn state_lacks_webhook(endpoint: &str, name: &str) {
    let e = env(name);
    let aws = Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let state = aws
        .block_on(
            aws.s3()
                .get_object()
                .bucket(&e.names.state_bucket)
                .key(&e.backend.key)
                .send(),
        )
        .unwrap();
    let bytes = aws.block_on(state.body.collect()).unwrap().into_bytes();
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains(&e.names.webhook_parameter),
        "{name}: the state names the parameter"
    );
    assert!(
        !text.contains("recognisable-token"),
        "{name}: the webhook is in the state"
    );
}

fn live_checks_pass(endpoint: &str, name: &str) {
    for task in ["test-s3", "test-sqs"] {
        xtask_local(endpoint, &[task, name]).expect(0);
    }
}

#[test]
fn both_environments_apply_on_the_emulator_and_staging_goes_alone() {
    let moto = Moto::start();
    let ep = moto.endpoint();
    let root = TempDir::new("apply");
    for dir in ["infra/environments", "infra/modules"] {
        copy_tree(&repo().join(dir), &root.path().join(dir));
    }
    let project = Project::at(root.path().to_path_buf());
    let names = ["staging", "production"];

    // Backends through the tool itself; the shared zone as the emulator numbers it. The
    // webhooks first, as an operator sets them.
    for name in names {
        xtask_local(&ep, &["setup-backend", name]).expect(0);
        set_webhook(&ep, name);
    }
    let zone = Aws::with_endpoint(&env("staging"), Some(ep.clone()))
        .unwrap()
        .emulator_zone("amygdalas.com")
        .unwrap();
    for name in names {
        xtask::terraform::set_emulator_override(&project, &env(name), Some((&ep, &zone))).unwrap();
        assert!(root
            .path()
            .join(infra::render::root_dir(name))
            .join(xtask::terraform::EMULATOR_OVERRIDE)
            .is_file());
        ok(&project, name, &["init", "-input=false", "-no-color"]);
        ok(&project, name, &["validate", "-no-color"]);
    }

    // Apply both at once: Terraform waits on the emulator far more than it computes.
    let applies: Vec<_> = names
        .map(|name| {
            let project = Project::at(root.path().to_path_buf());
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                ok(
                    &project,
                    name,
                    &["apply", "-auto-approve", "-input=false", "-no-color"],
                );
                eprintln!("apply {name}: {:.1} s", start.elapsed().as_secs_f64());
            })
        })
        .into_iter()
        .collect();
    for a in applies {
        a.join().unwrap();
    }

    // The seed's rows, read from the emulator.
    let f = facts(&ep);
    assert_eq!(
        f["staging"]["instance_types"],
        serde_json::json!(["t2.micro", "t2.micro"])
    );
    assert_eq!(
        f["production"]["instance_types"],
        serde_json::json!(["t3.medium", "t3.medium", "t3.medium"])
    );
    for (name, net) in [("staging", "10.1"), ("production", "10.0")] {
        let e = &f[name];
        assert_eq!(e["vpc_cidrs"], serde_json::json!([format!("{net}.0.0/16")]));
        let subnets: Vec<(String, String)> = serde_json::from_value(e["subnets"].clone()).unwrap();
        assert_eq!(
            subnets,
            (1..=3)
                .map(|i| (
                    format!("{net}.{i}.0/24"),
                    format!("us-west-2{}", ['a', 'b', 'c'][i - 1])
                ))
                .collect::<Vec<_>>()
        );
        assert_eq!(
            e["load_balancers"],
            serde_json::json!([format!("mht-api-{name}-alb")])
        );
        let roles: Vec<String> = serde_json::from_value(e["roles"].clone()).unwrap();
        for role in ["api-service", "worker-service", "s3-access"] {
            assert!(
                roles.contains(&format!("mht-api-{name}-{role}-role")),
                "{name}: {roles:?}"
            );
        }
        // Each role's inline policy is the model's document; each team's policy is attached
        // to the team's group.
        let model = env(name);
        for (role, role_name) in &model.names.roles {
            assert_eq!(
                e["role_policies"][role_name],
                infra::documents::role_policy_document(&model, *role),
                "{role_name}"
            );
        }
        assert_eq!(
            e["role_policies"][&model.names.alarm_function_role],
            infra::documents::alarm_function_policy_document(&model),
            "{name}"
        );
        let groups: Vec<serde_json::Value> = model
            .names
            .team_groups
            .iter()
            .zip(&model.names.team_policies)
            .map(|(g, p)| serde_json::json!([g, [p]]))
            .collect();
        assert_eq!(e["groups"], serde_json::json!(groups), "{name}");
    }
    assert_eq!(
        f["staging"]["log_groups"],
        serde_json::json!([["/mht-api/staging/app", 7], ["/mht-api/staging/sqs", 7]])
    );
    assert_eq!(
        f["production"]["log_groups"],
        serde_json::json!([
            ["/mht-api/production/app", 90],
            ["/mht-api/production/sqs", 30]
        ])
    );
    // The hardening, as each environment declares it (docs/hardening.md).
    for (name, protected) in [("staging", false), ("production", true)] {
        let logs = format!("mht-api-{name}-logs");
        assert_eq!(
            f[name]["hardening"],
            serde_json::json!({
                "alb_deletion_protection": protected.to_string(),
                "alb_access_logs": ["true", logs, infra::expect::ALB_LOG_PREFIX],
                "table_deletion_protection": protected,
                "default_sg_rules": [0],
                "flow_logs": [["s3", format!("arn:aws:s3:::{logs}"), "ALL"]],
                "imds": ["required", 1],
                "root_volumes_encrypted": [true],
            }),
            "{name}"
        );
    }
    // Encryption, lifecycle, logging, redrive and alarms on the right topic: the live checks.
    for name in names {
        live_checks_pass(&ep, name);
        bucket_policies_are_the_models(&ep, name);
        alerts_reach_people(&ep, name);
        state_lacks_webhook(&ep, name);
    }

    // Nothing is shared: no managed resource of one root is a managed resource of the other.
    let (s, p) = (
        managed_ids(&project, "staging"),
        managed_ids(&project, "production"),
    );
    let shared: Vec<&String> = s.intersection(&p).collect();
    assert!(shared.is_empty(), "shared between environments: {shared:?}");

    // No perpetual diff.
    for name in names {
        let (code, text) = terraform(
            &project,
            name,
            &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
        );
        assert_eq!(code, 0, "second plan of {name} is not empty:\n{text}");
        assert!(
            !text.contains("recognisable-token"),
            "{name}: the webhook in the plan output"
        );
    }

    // Staging goes; production stays, unchanged.
    ok(
        &project,
        "staging",
        &["destroy", "-auto-approve", "-input=false", "-no-color"],
    );
    let f = facts(&ep);
    assert_eq!(f["staging"]["instance_types"], serde_json::json!([]));
    assert_eq!(f["staging"]["roles"], serde_json::json!([]));
    assert_eq!(f["staging"]["groups"], serde_json::json!([]));
    assert_eq!(
        f["production"]["instance_types"].as_array().unwrap().len(),
        3
    );
    let (code, text) = terraform(
        &project,
        "production",
        &["plan", "-detailed-exitcode", "-input=false", "-no-color"],
    );
    assert_eq!(
        code, 0,
        "production changed after staging's destroy:\n{text}"
    );
    live_checks_pass(&ep, "production");
    assert!(managed_ids(&project, "production") == p);

    // Without the emulator the override goes, so nothing can aim a real run at it.
    xtask::terraform::set_emulator_override(&project, &env("staging"), None).unwrap();
    assert!(!Path::new(
        &root
            .path()
            .join("infra/environments/staging")
            .join(xtask::terraform::EMULATOR_OVERRIDE)
    )
    .exists());
}
