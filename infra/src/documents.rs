//! IAM policy documents built from the model, once, with the exact ARNs of the environment's own
//! resources: the team policies (from what each team declares, [`Access`]) and the service roles'
//! policies. The rules measure them (`iam.policy-size`), the isolation proof evaluates them
//! ([`crate::checks`]) and the renderer hands them to Terraform.

use crate::model::{Access, Environment, NameKind, Role, TeamPolicy};
use serde_json::{json, Value};

/// Actions that support no resource-level permissions (prefix match on the lowercase action):
/// scoped to an ARN they never match, so they are granted on `*`.
pub const UNSCOPED_ACTIONS: [&str; 10] = [
    "ec2:describe",
    "elasticloadbalancing:describe",
    "autoscaling:describe",
    "cloudwatch:getmetricstatistics",
    "cloudwatch:getmetricdata",
    "cloudwatch:listmetrics",
    "cloudwatch:describealarms",
    "s3:listallmybuckets",
    "sqs:listqueues",
    "sts:getcalleridentity",
];

/// Whether IAM offers no resource-level permission for `action` (a pattern such as `ec2:Describe*`
/// counts when its fixed prefix is one of [`UNSCOPED_ACTIONS`]).
pub fn is_unscoped(action: &str) -> bool {
    let a = action.to_ascii_lowercase();
    UNSCOPED_ACTIONS.iter().any(|u| a.starts_with(u))
}

/// The condition that limits a statement on `*` to resources tagged with the environment's name.
pub const ENVIRONMENT_TAG_KEY: &str = "aws:ResourceTag/Environment";

fn allow(sid: &str, actions: &[&str], resources: Vec<String>) -> Value {
    json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources})
}

/// The ARNs the environment's resources and their contents have, by kind of content.
struct Arns {
    data: String,
    logs: String,
    queue: String,
    dlq: String,
    table: String,
    /// Each log group and its streams.
    log_groups: Vec<String>,
}

impl Arns {
    fn of<T, C>(env: &Environment<T, C>) -> Arns {
        let n = &env.names;
        let log_groups = [&n.app_log_group, &n.sqs_log_group]
            .iter()
            .flat_map(|g| {
                let arn = env.arn(NameKind::LogGroup, g);
                [format!("{arn}:*"), arn]
            })
            .collect();
        Arns {
            data: env.arn(NameKind::Bucket, &n.data_bucket),
            logs: env.arn(NameKind::Bucket, &n.log_bucket),
            queue: env.arn(NameKind::Queue, &n.queue),
            dlq: env.arn(NameKind::Queue, &n.dead_letter_queue),
            table: env.arn(NameKind::Table, &n.table),
            log_groups,
        }
    }

    fn objects(bucket: &str) -> String {
        format!("{bucket}/*")
    }
}

/// The statements that let a team operate the environment's own resources: every action of each
/// service of the stack on exact ARNs, and EC2, load balancing and Auto Scaling (whose ARNs hold
/// ids) on resources tagged with the environment's name.
fn operate<T, C>(env: &Environment<T, C>, a: &Arns) -> Vec<Value> {
    let n = &env.names;
    let monitoring: Vec<String> = std::iter::once(env.alerts_topic_arn())
        .chain(n.alarms.iter().map(|(_, x)| env.arn(NameKind::Alarm, x)))
        .chain([
            env.arn(NameKind::Dashboard, &n.dashboard),
            env.arn(NameKind::Trail, &n.trail),
        ])
        .collect();
    vec![
        allow(
            "OperateBuckets",
            &["s3:*"],
            vec![
                a.data.clone(),
                Arns::objects(&a.data),
                a.logs.clone(),
                Arns::objects(&a.logs),
            ],
        ),
        allow(
            "OperateQueues",
            &["sqs:*"],
            vec![a.queue.clone(), a.dlq.clone()],
        ),
        allow(
            "OperateTable",
            &["dynamodb:*"],
            vec![a.table.clone(), format!("{}/*", a.table)],
        ),
        allow("OperateLogs", &["logs:*"], a.log_groups.clone()),
        allow(
            "OperateMonitoring",
            &["sns:*", "cloudwatch:*", "cloudtrail:*"],
            monitoring,
        ),
        json!({
            "Sid": "OperateTagged",
            "Effect": "Allow",
            "Action": ["ec2:*", "elasticloadbalancing:*", "autoscaling:*"],
            "Resource": "*",
            "Condition": {"StringEquals": {ENVIRONMENT_TAG_KEY: env.name}},
        }),
    ]
}

/// The statement that lets a team assume the environment's deployer roles (none without one).
fn assume_deploy_roles<T, C>(env: &Environment<T, C>) -> Vec<Value> {
    let roles: Vec<String> = env
        .deployers()
        .into_iter()
        .filter(|d| d.contains(":role/"))
        .collect();
    if roles.is_empty() {
        Vec::new()
    } else {
        vec![allow("Deploy", &["sts:AssumeRole"], roles)]
    }
}

/// Actions a release reads on `*` (none supports resource-level permissions): the listener's
/// weights and the targets' health, the instance groups and their scheduled actions, alarms,
/// the new colour's 5xx count and requests.
const RELEASE_DESCRIBE_ACTIONS: [&str; 8] = [
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeScheduledActions",
    "cloudwatch:DescribeAlarms",
    "cloudwatch:GetMetricData",
];

/// What a release changes besides Terraform's apply, on exact ARNs: the release state
/// parameter, the HTTPS listener's weights (a listener ARN holds the load balancer's name and
/// ids), and the instance groups' capacity, instances and scheduled actions.
fn release<T, C>(env: &Environment<T, C>) -> Vec<Value> {
    let n = &env.names;
    let mut out = vec![allow(
        "ReleaseState",
        &["ssm:GetParameter", "ssm:PutParameter"],
        vec![env.arn(NameKind::Parameter, &n.release_parameter)],
    )];
    if env.compute.load_balancer {
        let listeners = format!(
            "arn:aws:elasticloadbalancing:{}:{}:listener/app/{}/*",
            env.region, env.account_id, n.alb
        );
        out.push(allow(
            "ReleaseTraffic",
            &["elasticloadbalancing:ModifyListener"],
            vec![listeners],
        ));
    }
    out.push(allow(
        "ReleaseGroups",
        &[
            "autoscaling:DeleteScheduledAction",
            "autoscaling:PutScheduledUpdateGroupAction",
            "autoscaling:SetDesiredCapacity",
            "autoscaling:TerminateInstanceInAutoScalingGroup",
            "autoscaling:UpdateAutoScalingGroup",
        ],
        n.autoscaling_groups
            .iter()
            .map(|g| env.arn(NameKind::AutoScalingGroup, g))
            .collect(),
    ));
    out
}

/// What `status` reads besides the describes on `*`: the release state parameter. (The
/// deployment records stay the deployers': they sit beside the Terraform state.)
fn observe_release<T, C>(env: &Environment<T, C>) -> Vec<Value> {
    vec![allow(
        "ReadReleaseState",
        &["ssm:GetParameter"],
        vec![env.arn(NameKind::Parameter, &env.names.release_parameter)],
    )]
}

/// The statements one kind of access grants on exact ARNs, and the actions it needs on `*`.
fn grant<T, C>(
    env: &Environment<T, C>,
    a: &Arns,
    access: Access,
) -> (Vec<Value>, Vec<&'static str>) {
    let queues = || vec![a.queue.clone(), a.dlq.clone()];
    match access {
        Access::Operate => (operate(env, a), Vec::new()),
        Access::Deploy => {
            let mut statements = assume_deploy_roles(env);
            statements.extend(release(env));
            (statements, RELEASE_DESCRIBE_ACTIONS.to_vec())
        }
        Access::ReadData => (
            vec![
                allow(
                    "ReadData",
                    &["s3:GetObject", "s3:GetObjectVersion"],
                    vec![Arns::objects(&a.data)],
                ),
                allow("ListData", &["s3:ListBucket"], vec![a.data.clone()]),
            ],
            Vec::new(),
        ),
        Access::ReadLogs => (
            vec![
                allow(
                    "ReadLogGroups",
                    &[
                        "logs:DescribeLogStreams",
                        "logs:FilterLogEvents",
                        "logs:GetLogEvents",
                    ],
                    a.log_groups.clone(),
                ),
                allow(
                    "ReadLogBucket",
                    &["s3:GetObject"],
                    vec![Arns::objects(&a.logs)],
                ),
                allow("ListLogBucket", &["s3:ListBucket"], vec![a.logs.clone()]),
            ],
            Vec::new(),
        ),
        Access::WatchQueues => (
            vec![allow(
                "WatchQueues",
                &[
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ListDeadLetterSourceQueues",
                    "sqs:ListQueueTags",
                ],
                queues(),
            )],
            vec!["sqs:ListQueues"],
        ),
        Access::ReadDeadLetters => (
            vec![allow(
                "ReadDeadLetters",
                &["sqs:ReceiveMessage"],
                vec![a.dlq.clone()],
            )],
            Vec::new(),
        ),
        Access::Observe => (
            observe_release(env),
            [
                "ec2:Describe*",
                "cloudwatch:GetMetricStatistics",
                "cloudwatch:GetMetricData",
                "cloudwatch:ListMetrics",
            ]
            .into_iter()
            .chain(RELEASE_DESCRIBE_ACTIONS)
            .collect(),
        ),
    }
}

/// The IAM policy document of a team policy: the statements of each declared access (in a fixed
/// order), one statement on `*` for the actions that support no resource-level permissions, the
/// hand-written statements, and the denied actions.
pub fn team_policy_document<T, C>(env: &Environment<T, C>, policy: &TeamPolicy) -> Value {
    let arns = Arns::of(env);
    let mut statements = Vec::new();
    let mut unscoped: Vec<&str> = Vec::new();
    for access in Access::ALL.iter().filter(|a| policy.access.contains(a)) {
        let (scoped, anywhere) = grant(env, &arns, *access);
        statements.extend(scoped);
        // Once each, in the order the accesses list them (`Deploy` and `Observe` share one).
        for action in anywhere {
            if !unscoped.contains(&action) {
                unscoped.push(action);
            }
        }
    }
    if !unscoped.is_empty() {
        statements.push(
            json!({"Sid": "Unscoped", "Effect": "Allow", "Action": unscoped, "Resource": "*"}),
        );
    }
    statements.extend(
        policy
            .statements
            .iter()
            .map(|s| json!({"Effect": "Allow", "Action": s.actions, "Resource": s.resources})),
    );
    if !policy.denied_actions.is_empty() {
        statements.push(
            json!({"Sid": "Denied", "Effect": "Deny", "Action": policy.denied_actions, "Resource": "*"}),
        );
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Every item action the services use on the application table.
const TABLE_ITEM_ACTIONS: [&str; 8] = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
];

/// The policy of the alarm → Discord function's role: its own log group, and its webhook
/// parameter read (decrypted through SSM with the AWS managed key).
pub fn alarm_function_policy_document<T, C>(env: &Environment<T, C>) -> Value {
    let n = &env.names;
    let log_group = env.arn(NameKind::LogGroup, &n.alarm_function_log_group);
    let statements = vec![
        allow(
            "Logs",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            vec![format!("{log_group}:*")],
        ),
        allow(
            "WebhookParameter",
            &["ssm:GetParameter"],
            vec![env.arn(NameKind::Parameter, &n.webhook_parameter)],
        ),
    ];
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The least-privilege inline policy of a service role, on the environment's exact ARNs.
pub fn role_policy_document<T, C>(env: &Environment<T, C>, role: Role) -> Value {
    let a = Arns::of(env);
    let table = || allow("TableItems", &TABLE_ITEM_ACTIONS, vec![a.table.clone()]);
    let statements = match role {
        Role::ApiService => vec![
            allow(
                "SendJobs",
                &[
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:SendMessage",
                ],
                vec![a.queue.clone()],
            ),
            allow(
                "DataObjects",
                &["s3:GetObject", "s3:PutObject"],
                vec![Arns::objects(&a.data)],
            ),
            table(),
            // The instances' Docker awslogs driver writes the container's output.
            allow(
                "ContainerLogs",
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                vec![format!(
                    "{}:*",
                    env.arn(NameKind::LogGroup, &env.names.app_log_group)
                )],
            ),
        ],
        Role::WorkerService => vec![
            allow(
                "ConsumeJobs",
                &[
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:GetQueueUrl",
                    "sqs:ReceiveMessage",
                ],
                vec![a.queue.clone(), a.dlq.clone()],
            ),
            table(),
        ],
        Role::S3Access => vec![
            allow("ListData", &["s3:ListBucket"], vec![a.data.clone()]),
            allow(
                "DataObjects",
                &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                vec![Arns::objects(&a.data)],
            ),
        ],
    };
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};

    fn statement<'a>(doc: &'a Value, sid: &str) -> Option<&'a Value> {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
    }

    fn deployer(access: Vec<Access>) -> TeamPolicy {
        TeamPolicy {
            team: "release".into(),
            access,
            denied_actions: Vec::new(),
            statements: Vec::new(),
        }
    }

    #[test]
    fn deploy_access_releases_on_the_environments_own_arns() {
        let env = production().build().unwrap();
        let doc = team_policy_document(&env, &deployer(vec![Access::Deploy, Access::Observe]));
        let arn = "arn:aws:ssm:us-west-2:123456789012:parameter/mht-api/production/release";
        assert_eq!(
            statement(&doc, "ReleaseState").unwrap(),
            &json!({"Sid": "ReleaseState", "Effect": "Allow",
                "Action": ["ssm:GetParameter", "ssm:PutParameter"], "Resource": [arn]})
        );
        assert_eq!(
            statement(&doc, "ReleaseTraffic").unwrap()["Resource"],
            json!(["arn:aws:elasticloadbalancing:us-west-2:123456789012:listener/app/mht-api-production-alb/*"])
        );
        let groups = statement(&doc, "ReleaseGroups").unwrap();
        let group = |c: &str| {
            format!("arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:*:autoScalingGroupName/mht-api-production-asg-{c}")
        };
        assert_eq!(groups["Resource"], json!([group("blue"), group("green")]));
        for action in [
            "autoscaling:SetDesiredCapacity",
            "autoscaling:TerminateInstanceInAutoScalingGroup",
            "autoscaling:PutScheduledUpdateGroupAction",
            "autoscaling:DeleteScheduledAction",
            "autoscaling:UpdateAutoScalingGroup",
        ] {
            assert!(groups["Action"]
                .as_array()
                .unwrap()
                .contains(&json!(action)));
        }
        // The reads no ARN scopes are on `*`, each once though Observe grants DescribeAlarms too.
        let unscoped = statement(&doc, "Unscoped").unwrap()["Action"]
            .as_array()
            .unwrap()
            .clone();
        for action in RELEASE_DESCRIBE_ACTIONS {
            let count = unscoped.iter().filter(|a| **a == json!(action)).count();
            assert_eq!(count, 1, "{action}");
            assert!(is_unscoped(action), "{action}");
        }
        // A team that observes changes none of it, but reads what `status` shows: the release
        // state and the describes.
        let reader = team_policy_document(&env, &deployer(vec![Access::Observe]));
        for sid in ["ReleaseState", "ReleaseTraffic", "ReleaseGroups"] {
            assert!(statement(&reader, sid).is_none(), "{sid}");
        }
        let read = statement(&reader, "ReadReleaseState").unwrap();
        assert_eq!(read["Action"], json!(["ssm:GetParameter"]));
        assert_eq!(
            read["Resource"],
            json!(["arn:aws:ssm:us-west-2:123456789012:parameter/mht-api/production/release"])
        );
        let unscoped = &statement(&reader, "Unscoped").unwrap()["Action"];
        for action in RELEASE_DESCRIBE_ACTIONS {
            assert!(
                unscoped.as_array().unwrap().contains(&json!(action)),
                "{action}"
            );
        }
        // The isolation proof accepts a production team that deploys: nothing of staging's.
        let releasing = production()
            .iam(|i| i.team_policies.push(deployer(vec![Access::Deploy])))
            .build()
            .unwrap();
        let envs = [staging().build().unwrap(), releasing];
        assert_eq!(crate::reach::policy_reach(&envs), Vec::new());
    }

    #[test]
    fn a_rolling_environment_without_a_load_balancer_releases_its_one_group() {
        let env = staging()
            .compute(|c| c.load_balancer = false)
            .build()
            .unwrap();
        let doc = team_policy_document(&env, &deployer(vec![Access::Deploy]));
        assert!(statement(&doc, "ReleaseTraffic").is_none());
        assert_eq!(
            statement(&doc, "ReleaseGroups").unwrap()["Resource"],
            json!(["arn:aws:autoscaling:us-west-2:123456789012:autoScalingGroup:*:autoScalingGroupName/mht-api-staging-asg"])
        );
        assert_eq!(
            statement(&doc, "Deploy").unwrap()["Resource"],
            json!(["arn:aws:iam::123456789012:role/mht-api-staging-deploy"])
        );
    }
}
