//! The monthly cost of an environment, from the model and the price sheet: one line per priced
//! thing (quantity × unit price), the total, the plan's own estimate beside it with an
//! explanation where they differ, and the budget check `validate` runs.

use crate::model::{CostCategory, Encryption, Environment};
use crate::prices::{self, PriceSheet, Priced};
use crate::rules::{self, Violation};
use serde_json::{json, Value};

/// Hours in the average month, as AWS bills hourly prices.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// GB of each instance's root volume: the AMI's default, which the compute module keeps.
pub const ROOT_VOLUME_GB: f64 = 8.0;

/// The unit of the instance line.
const INSTANCE_HOUR: &str = "instance-hour";

/// One line: `quantity` × `unit_usd` per `unit` = `monthly_usd`.
#[derive(Clone, Debug, PartialEq)]
pub struct LineItem {
    /// Stable across commits and environments, for `cost diff`: the price it uses (with `#n`
    /// for its n-th further use).
    pub key: String,
    pub category: CostCategory,
    pub item: String,
    pub quantity: f64,
    pub unit: String,
    pub unit_usd: f64,
    pub monthly_usd: f64,
    /// What the AWS Free Tier covers of it (never subtracted).
    pub free_tier: Option<String>,
}

/// An environment's month.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    pub environment: String,
    pub lines: Vec<LineItem>,
    pub total_usd: f64,
    pub budget_usd: u32,
    /// The plan's figure, when the environment gives one.
    pub plan_usd: Option<u32>,
    /// Where estimate and plan differ by a dollar or more, by category.
    pub explanations: Vec<String>,
}

/// Lines being priced from one sheet.
struct Lines<'a> {
    sheet: &'a PriceSheet,
    out: Vec<LineItem>,
}

impl Lines<'_> {
    /// `quantity` of `priced`, as the line `item` of `category`.
    fn add(
        &mut self,
        category: CostCategory,
        item: String,
        quantity: f64,
        priced: Priced,
    ) -> Result<(), String> {
        let p = self
            .sheet
            .get(priced)
            .ok_or_else(|| format!("the price sheet has no `{}`", priced.key()))?;
        let uses = self
            .out
            .iter()
            .filter(|l| l.key.split('#').next() == Some(priced.key()))
            .count();
        self.out.push(LineItem {
            key: match uses {
                0 => priced.key().to_string(),
                n => format!("{}#{n}", priced.key()),
            },
            category,
            item,
            quantity,
            unit: p.unit.clone(),
            unit_usd: p.usd,
            monthly_usd: quantity * p.usd,
            free_tier: p.free_tier.clone(),
        });
        Ok(())
    }

    /// Instances, their root volumes and public addresses, the load balancer.
    fn compute(&mut self, env: &Environment) -> Result<(), String> {
        let c = &env.compute;
        let count = f64::from(c.instance_count);
        let hourly = self.sheet.hourly(c.instance_type.name).ok_or_else(|| {
            format!(
                "the price sheet has no instance-hour price for `{}`",
                c.instance_type.name
            )
        })?;
        self.out.push(LineItem {
            key: "ec2_instance_hour".into(),
            category: CostCategory::Ec2,
            item: format!(
                "EC2 instances, {} × {}",
                c.instance_count, c.instance_type.name
            ),
            quantity: count * HOURS_PER_MONTH,
            unit: INSTANCE_HOUR.into(),
            unit_usd: hourly,
            monthly_usd: count * HOURS_PER_MONTH * hourly,
            free_tier: self.sheet.ec2.free_tier.clone(),
        });
        let volumes = format!(
            "EBS gp3 root volumes, {} × {ROOT_VOLUME_GB} GB",
            c.instance_count
        );
        self.add(
            CostCategory::Ec2,
            volumes,
            count * ROOT_VOLUME_GB,
            Priced::EbsGp3GbMonth,
        )?;
        // Every instance has a public address; an internet-facing load balancer one per subnet.
        let lb = if c.load_balancer {
            env.network.subnet_cidrs.len()
        } else {
            0
        };
        let addresses = c.instance_count as usize + lb;
        let item = format!(
            "public IPv4 addresses, {addresses} ({} instances, {lb} load balancer)",
            c.instance_count
        );
        self.add(
            CostCategory::PublicIpv4,
            item,
            addresses as f64 * HOURS_PER_MONTH,
            Priced::PublicIpv4Hour,
        )?;
        if c.load_balancer {
            let lcus = env.cost.usage.alb_lcus;
            self.add(
                CostCategory::LoadBalancer,
                "application load balancer".into(),
                HOURS_PER_MONTH,
                Priced::AlbHour,
            )?;
            let item = format!("load balancer capacity, {lcus} LCU average");
            self.add(
                CostCategory::LoadBalancer,
                item,
                lcus * HOURS_PER_MONTH,
                Priced::AlbLcuHour,
            )?;
        }
        Ok(())
    }

    /// Buckets, queue and table at the assumed usage.
    fn data(&mut self, env: &Environment) -> Result<(), String> {
        use CostCategory::{DynamoDb, Kms, Sqs, S3};
        let u = &env.cost.usage;
        self.add(
            S3,
            "S3 data bucket (Standard)".into(),
            u.data_gb,
            Priced::S3StandardGbMonth,
        )?;
        self.add(
            S3,
            "S3 access-log bucket (Standard)".into(),
            u.log_bucket_gb,
            Priced::S3StandardGbMonth,
        )?;
        self.add(
            S3,
            "S3 PUT/LIST requests".into(),
            u.s3_put_thousands,
            Priced::S3Put1000,
        )?;
        self.add(
            S3,
            "S3 GET requests".into(),
            u.s3_get_thousands,
            Priced::S3Get1000,
        )?;
        if env.s3.data.encryption == Encryption::Kms {
            let requests = (u.s3_put_thousands + u.s3_get_thousands) / 10.0;
            self.add(
                Kms,
                "KMS requests (SSE-KMS on the data bucket)".into(),
                requests,
                Priced::KmsRequest10000,
            )?;
        }
        self.add(
            Sqs,
            "SQS requests".into(),
            u.sqs_requests_millions,
            Priced::SqsMillion,
        )?;
        self.add(
            DynamoDb,
            "DynamoDB writes (on demand)".into(),
            u.dynamodb_writes_millions,
            Priced::DynamoDbWriteMillion,
        )?;
        self.add(
            DynamoDb,
            "DynamoDB reads (on demand)".into(),
            u.dynamodb_reads_millions,
            Priced::DynamoDbReadMillion,
        )?;
        self.add(
            DynamoDb,
            "DynamoDB storage".into(),
            u.dynamodb_gb,
            Priced::DynamoDbGbMonth,
        )
    }

    /// Alarms, dashboard, logs, the trail, DNS and traffic out.
    fn operations(&mut self, env: &Environment, shared_by: usize) -> Result<(), String> {
        use CostCategory::{CloudTrail, CloudWatch, DataTransfer, Route53};
        let u = &env.cost.usage;
        // CloudWatch prices an alarm per metric it reads: metric math pays for each.
        let alarms: usize = env
            .alarms()
            .iter()
            .map(|a| crate::alerting::watch(env, a.rule.kind, "").metrics.len())
            .sum();
        self.add(
            CloudWatch,
            format!("CloudWatch alarm metrics, {alarms}"),
            alarms as f64,
            Priced::CloudWatchAlarmMonth,
        )?;
        if env.monitoring.dashboard {
            self.add(
                CloudWatch,
                "CloudWatch dashboard".into(),
                1.0,
                Priced::CloudWatchDashboardMonth,
            )?;
        }
        self.add(
            CloudWatch,
            "CloudWatch Logs ingestion".into(),
            u.log_ingest_gb,
            Priced::LogsIngestGb,
        )?;
        // Held at steady state: each group keeps its half of the ingestion for its retention.
        let months = |days: u32| f64::from(days) / 30.0;
        let stored = u.log_ingest_gb / 2.0
            * (months(env.monitoring.log_retention_days) + months(env.sqs.log_retention_days));
        self.add(
            CloudWatch,
            "CloudWatch Logs storage (retention)".into(),
            stored,
            Priced::LogsStorageGbMonth,
        )?;
        if env.monitoring.cloudtrail {
            self.add(
                CloudTrail,
                "CloudTrail management trail".into(),
                1.0,
                Priced::CloudTrailManagementTrail,
            )?;
        }
        let zone = format!("Route 53 hosted zone, shared by {shared_by}");
        self.add(
            Route53,
            zone,
            1.0 / shared_by.max(1) as f64,
            Priced::Route53ZoneMonth,
        )?;
        self.add(
            Route53,
            "Route 53 queries (not alias)".into(),
            u.dns_queries_millions,
            Priced::Route53QueryMillion,
        )?;
        self.add(
            DataTransfer,
            "data transfer out to the internet".into(),
            u.transfer_out_gb,
            Priced::TransferOutGb,
        )
    }
}

/// The lines of `env` priced from `sheet`; the shared hosted zone is split `shared_by` ways.
fn lines(env: &Environment, sheet: &PriceSheet, shared_by: usize) -> Result<Vec<LineItem>, String> {
    let mut lines = Lines {
        sheet,
        out: Vec::new(),
    };
    lines.compute(env)?;
    lines.data(env)?;
    lines.operations(env, shared_by)?;
    Ok(lines.out)
}

/// Why the estimate and the plan differ for `category`, where they do by a dollar or more.
fn explain(
    env: &Environment,
    category: CostCategory,
    lines: &[LineItem],
    plan: Option<u32>,
) -> Option<String> {
    // `+ 0.0`: an empty sum is -0.0.
    let estimate = lines
        .iter()
        .filter(|l| l.category == category)
        .map(|l| l.monthly_usd)
        .sum::<f64>()
        + 0.0;
    let plan_usd = f64::from(plan.unwrap_or(0));
    if (estimate - plan_usd).abs() < 1.0 {
        return None;
    }
    let head = match plan {
        Some(p) => format!(
            "{}: ${estimate:.2} estimated, ${p} in the plan",
            category.label()
        ),
        None => format!(
            "{}: ${estimate:.2} estimated, not in the plan's figures",
            category.label()
        ),
    };
    let why = match category {
        CostCategory::Ec2 if env.compute.instance_type.name == "t2.micro" && plan_usd < estimate => {
            " — the plan counts t2.micro as free; the free tier covers 750 instance-hours a month (one instance) for the first 12 months only, and the estimate does not subtract it"
        }
        CostCategory::Ec2 if plan_usd < estimate => {
            let instances = lines.iter().find(|l| l.unit == INSTANCE_HOUR)?;
            return Some(format!(
                "{head} — {} × {} on demand is ${:.2} a month; the plan's figure would need Savings Plans or Reserved Instances",
                env.compute.instance_count, env.compute.instance_type.name, instances.monthly_usd,
            ));
        }
        CostCategory::PublicIpv4 => {
            " — AWS bills every public IPv4 address since February 2024: one per instance and one per load balancer subnet"
        }
        CostCategory::Other => " — the plan's \"additional features\"; the estimate prices each feature under its own service",
        _ if plan.is_some() && plan_usd > estimate => " — the assumed usage is lower than the plan's",
        _ if plan.is_some() => " — the assumed usage or the unit prices are higher than the plan's",
        _ => "",
    };
    Some(format!("{head}{why}"))
}

/// The estimate of `env`, with the hosted zone split `shared_by` ways.
pub fn estimate(env: &Environment, shared_by: usize) -> Result<Estimate, String> {
    let sheet = prices::sheet(&env.region)
        .ok_or_else(|| format!("no price sheet for region `{}` (infra/prices/)", env.region))??;
    let lines = lines(env, sheet, shared_by)?;
    let total_usd = lines.iter().map(|l| l.monthly_usd).sum();
    let plan = &env.cost.plan_estimate;
    let explanations = if plan.is_empty() {
        Vec::new()
    } else {
        CostCategory::ALL
            .iter()
            .filter_map(|&cat| {
                let given = plan.iter().find(|(c, _)| *c == cat).map(|(_, usd)| *usd);
                explain(env, cat, &lines, given)
            })
            .collect()
    };
    Ok(Estimate {
        environment: env.name.clone(),
        total_usd,
        budget_usd: env.cost.budget_usd,
        plan_usd: (!plan.is_empty()).then(|| plan.iter().map(|(_, usd)| usd).sum()),
        explanations,
        lines,
    })
}

impl Estimate {
    /// The `n` most expensive lines, most expensive first.
    pub fn biggest(&self, n: usize) -> Vec<&LineItem> {
        let mut lines: Vec<&LineItem> = self.lines.iter().collect();
        lines.sort_by(|a, b| b.monthly_usd.total_cmp(&a.monthly_usd));
        lines.truncate(n);
        lines
    }

    /// The estimate as data: what `cost --format json` prints and `render` commits beside each
    /// root (`cost.json`), so `cost diff --base <ref>` reads any commit's estimate.
    pub fn to_json(&self) -> Value {
        let cents = |usd: f64| (usd * 100.0).round() / 100.0;
        json!({
            "environment": self.environment,
            "total_usd": cents(self.total_usd),
            "budget_usd": self.budget_usd,
            "plan_usd": self.plan_usd,
            "lines": self.lines.iter().map(|l| json!({
                "key": l.key,
                "category": l.category.label(),
                "item": l.item,
                "quantity": l.quantity,
                "unit": l.unit,
                "unit_usd": l.unit_usd,
                "monthly_usd": cents(l.monthly_usd),
            })).collect::<Vec<_>>(),
            "explanations": self.explanations,
        })
    }
}

/// One line of `cost diff`: the same line (by key) before and after; `None` where absent.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub item: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

impl Change {
    pub fn delta(&self) -> f64 {
        self.after.unwrap_or(0.0) - self.before.unwrap_or(0.0)
    }
}

/// The lines of two estimates in their JSON form ([`Estimate::to_json`], as committed in
/// `cost.json`) side by side, with the totals last; lines equal to the cent are left out.
pub fn diff(before: &Value, after: &Value) -> Vec<Change> {
    let lines = |v: &Value| -> Vec<(String, String, f64)> {
        v["lines"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                let text = |k: &str| l[k].as_str().unwrap_or_default().to_string();
                (
                    text("key"),
                    text("item"),
                    l["monthly_usd"].as_f64().unwrap_or(0.0),
                )
            })
            .collect()
    };
    let (old, new) = (lines(before), lines(after));
    let mut keys: Vec<&String> = new.iter().map(|(k, _, _)| k).collect();
    keys.extend(
        old.iter()
            .map(|(k, _, _)| k)
            .filter(|k| !new.iter().any(|(n, _, _)| n == *k)),
    );
    let mut out: Vec<Change> = keys
        .into_iter()
        .map(|key| {
            let find =
                |side: &[(String, String, f64)]| side.iter().find(|(k, _, _)| k == key).cloned();
            let (a, b) = (find(&old), find(&new));
            Change {
                item: b
                    .as_ref()
                    .or(a.as_ref())
                    .map(|(_, i, _)| i.clone())
                    .unwrap_or_default(),
                before: a.map(|(_, _, usd)| usd),
                after: b.map(|(_, _, usd)| usd),
            }
        })
        .filter(|c| c.delta().abs() >= 0.005 || c.before.is_none() != c.after.is_none())
        .collect();
    out.push(Change {
        item: "total".into(),
        before: before["total_usd"].as_f64(),
        after: after["total_usd"].as_f64(),
    });
    out
}

/// Every environment's estimate within its budget; the zone is shared by all of them.
pub fn check_budgets(envs: &[Environment]) -> Vec<Violation> {
    let mut out = Vec::new();
    for env in envs {
        let violation = |value: String, problem: String, fix: &str| Violation {
            env: env.name.clone(),
            path: "cost.budget_usd".into(),
            rule: rules::COST_BUDGET,
            value,
            problem,
            fix: fix.into(),
        };
        match estimate(env, envs.len()) {
            Err(why) => out.push(violation(
                env.region.clone(),
                why,
                "add a price sheet for the region under infra/prices/",
            )),
            Ok(e) if e.total_usd > f64::from(e.budget_usd) => {
                let biggest: Vec<String> = e
                    .biggest(3)
                    .iter()
                    .map(|l| format!("{} ${:.2}", l.item, l.monthly_usd))
                    .collect();
                out.push(violation(
                    format!("${:.2} a month", e.total_usd),
                    format!("the estimate exceeds the budget of ${} a month; biggest items: {}", e.budget_usd, biggest.join("; ")),
                    "reduce the biggest items (instance type or count, load balancer capacity, assumed usage) or raise `cost.budget_usd` where the spend is intended (`cargo xtask cost` shows every line)",
                ));
            }
            Ok(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::environments::{production, staging};
    use crate::EnvironmentBuilder;

    fn built(b: EnvironmentBuilder) -> Environment {
        b.build().unwrap()
    }

    fn line<'a>(e: &'a Estimate, starts: &str) -> Option<&'a LineItem> {
        e.lines.iter().find(|l| l.item.starts_with(starts))
    }

    #[test]
    fn each_line_is_quantity_times_unit_price_and_the_total_their_sum() {
        let e = estimate(&built(staging()), 2).unwrap();
        for l in &e.lines {
            assert!(
                (l.monthly_usd - l.quantity * l.unit_usd).abs() < 1e-9,
                "{}",
                l.item
            );
        }
        let sum: f64 = e.lines.iter().map(|l| l.monthly_usd).sum();
        assert!((e.total_usd - sum).abs() < 1e-9);
        let ec2 = line(&e, "EC2 instances, 2 × t2.micro").unwrap();
        assert_eq!(ec2.quantity, 2.0 * HOURS_PER_MONTH);
        assert!((ec2.monthly_usd - 16.936).abs() < 1e-9);
        assert!(ec2.free_tier.as_deref().unwrap().contains("750 hours"));
        assert_eq!(e.plan_usd, Some(25));
        assert_eq!(e.budget_usd, 70);
    }

    #[test]
    fn each_kind_of_line_follows_the_model() {
        let e = estimate(&built(staging()), 2).unwrap();
        // Two instances and three load balancer subnets hold public addresses.
        let ipv4 = line(&e, "public IPv4 addresses, 5").unwrap();
        assert_eq!(ipv4.quantity, 5.0 * HOURS_PER_MONTH);
        assert_eq!(line(&e, "EBS gp3 root volumes").unwrap().quantity, 16.0);
        // Nine alarms: five on one metric, the rest metric math over 2 or 3.
        let alarms = line(&e, "CloudWatch alarm metrics, 15").unwrap();
        assert_eq!(alarms.quantity, 15.0);
        assert_eq!(line(&e, "Route 53 hosted zone").unwrap().quantity, 0.5);
        assert!(line(&e, "CloudWatch dashboard").is_some());
        assert!(line(&e, "CloudTrail").is_some_and(|l| l.monthly_usd == 0.0));
        assert!(line(&e, "KMS").is_none());
        // Logs held for retention: half the ingestion each for 7 and 7 days.
        let stored = line(&e, "CloudWatch Logs storage").unwrap().quantity;
        assert!((stored - 2.0 / 2.0 * (7.0 / 30.0 + 7.0 / 30.0)).abs() < 1e-9);

        let changed = built(
            staging()
                .s3(|s| s.data.encryption = Encryption::Kms)
                .monitoring(|m| m.dashboard = false)
                .cost(|c| c.usage.alb_lcus = 2.0),
        );
        let e = estimate(&changed, 1).unwrap();
        let kms = line(&e, "KMS requests").unwrap();
        assert_eq!(kms.quantity, (10.0 + 100.0) / 10.0);
        assert!(line(&e, "CloudWatch dashboard").is_none());
        assert_eq!(line(&e, "Route 53 hosted zone").unwrap().quantity, 1.0);
        assert_eq!(
            line(&e, "load balancer capacity").unwrap().quantity,
            2.0 * HOURS_PER_MONTH
        );
    }

    #[test]
    fn differences_from_the_plan_are_explained_by_category() {
        let e = estimate(&built(staging()), 2).unwrap();
        let ec2 = e
            .explanations
            .iter()
            .find(|x| x.starts_with("EC2:"))
            .unwrap();
        assert!(
            ec2.contains("$0 in the plan") && ec2.contains("free tier"),
            "{ec2}"
        );
        assert!(e
            .explanations
            .iter()
            .any(|x| x.starts_with("public IPv4:") && x.contains("not in the plan")));
        // SQS: $0.40 estimated against the plan's $1: under a dollar apart, no line.
        assert!(
            !e.explanations.iter().any(|x| x.starts_with("SQS:")),
            "{:?}",
            e.explanations
        );
        let p = estimate(&built(production()), 2).unwrap();
        let ec2 = p
            .explanations
            .iter()
            .find(|x| x.starts_with("EC2:"))
            .unwrap();
        assert!(ec2.contains("3 × t3.medium on demand is $91.10"), "{ec2}");
        let other = p
            .explanations
            .iter()
            .find(|x| x.starts_with("other:"))
            .unwrap();
        assert!(
            other.starts_with("other: $0.00 estimated, $6 in the plan"),
            "{other}"
        );
        // No plan figures, no explanations.
        let none = built(staging().cost(|c| c.plan_estimate.clear()));
        assert!(estimate(&none, 2).unwrap().explanations.is_empty());
    }

    #[test]
    fn a_budget_too_small_names_the_biggest_lines() {
        let envs = vec![
            built(staging()),
            built(production().compute(|c| c.instance_count = 6)),
        ];
        let v = check_budgets(&envs);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(
            (v[0].env.as_str(), v[0].path.as_str()),
            ("production", "cost.budget_usd")
        );
        assert_eq!(v[0].rule, rules::COST_BUDGET);
        assert!(
            v[0].problem
                .contains("biggest items: EC2 instances, 6 × t3.medium $182.21"),
            "{}",
            v[0].problem
        );
        assert!(check_budgets(&[built(staging()), built(production())]).is_empty());
        let elsewhere = built(staging().region("eu-north-9").network(|n| {
            n.availability_zones = vec![
                "eu-north-9a".into(),
                "eu-north-9b".into(),
                "eu-north-9c".into(),
            ]
        }));
        let v = check_budgets(&[elsewhere]);
        assert!(
            v[0].problem
                .contains("no price sheet for region `eu-north-9`"),
            "{v:?}"
        );
    }

    #[test]
    fn a_diff_pairs_lines_by_key_and_ends_with_the_totals() {
        let before = estimate(&built(production()), 2).unwrap().to_json();
        let more = built(production().compute(|c| c.instance_count = 4));
        let after = estimate(&more, 2).unwrap().to_json();
        let changes = diff(&before, &after);
        let items: Vec<&str> = changes.iter().map(|c| c.item.as_str()).collect();
        assert_eq!(
            items,
            [
                "EC2 instances, 4 × t3.medium",
                "EBS gp3 root volumes, 4 × 8 GB",
                "public IPv4 addresses, 7 (4 instances, 3 load balancer)",
                "total"
            ]
        );
        assert!(
            (changes[0].delta() - 30.368).abs() < 0.01,
            "{:?}",
            changes[0]
        );
        let total = changes.last().unwrap();
        assert!(
            (total.delta() - (30.37 + 0.64 + 3.65)).abs() < 0.02,
            "{total:?}"
        );
        // Same estimate: only the totals, unchanged.
        let same = diff(&before, &before);
        assert_eq!(same.len(), 1);
        assert_eq!(same[0].delta(), 0.0);
        // A line only on one side (no dashboard before) is listed.
        let plain = estimate(&built(production().monitoring(|m| m.dashboard = false)), 2).unwrap();
        let added = diff(&plain.to_json(), &before);
        assert!(added
            .iter()
            .any(|c| c.item == "CloudWatch dashboard" && c.before.is_none()));
    }
}
