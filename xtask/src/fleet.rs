//! What a release reads and changes on AWS: the release state parameter, the HTTPS listener's
//! weights, each colour's target health and instances, the scheduled scale-down at the end of a
//! rollback window, and the load balancer's 5xx alarm. Names come from the model.

use crate::aws::Aws;
use anyhow::{anyhow, Context, Result};
use aws_sdk_cloudwatch::types::Dimension;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, TargetGroupStickinessConfig, TargetGroupTuple,
};
use infra::model::AlarmKind;
use infra::release::ReleaseState;
use infra::Environment;
use std::collections::BTreeMap;

/// The scheduled action that scales a colour to zero when its rollback window ends.
pub const SCALE_DOWN_ACTION: &str = "mht-rollback-window-end";

/// One target of a colour's target group and what the load balancer says of it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    pub id: String,
    /// `healthy`, `initial`, `unhealthy`, `unused`, `draining`, `unavailable`.
    pub state: String,
    /// Why, when not healthy (`Target.InvalidState: Target is in the stopped state`).
    pub reason: String,
}

impl Target {
    pub fn healthy(&self) -> bool {
        self.state == "healthy"
    }
}

/// A colour's instance group as its auto scaling group and target group report it.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Group {
    pub desired: i32,
    /// Instances the group holds (any lifecycle state).
    pub instances: Vec<String>,
    /// The targets of the group's instances (others, such as terminated ones, left out).
    pub targets: Vec<Target>,
}

impl Group {
    pub fn healthy(&self) -> usize {
        self.targets.iter().filter(|t| t.healthy()).count()
    }

    /// `2/3 healthy (i-1: unused, Target.InvalidState: …)`.
    pub fn describe(&self) -> String {
        let sick: Vec<String> = self
            .targets
            .iter()
            .filter(|t| !t.healthy())
            .map(|t| {
                format!("{}: {} {}", t.id, t.state, t.reason)
                    .trim()
                    .to_string()
            })
            .collect();
        let mut text = format!("{}/{} healthy", self.healthy(), self.desired.max(0));
        if !sick.is_empty() {
            text.push_str(&format!(" ({})", sick.join("; ")));
        }
        text
    }
}

pub struct Fleet<'a> {
    pub aws: &'a Aws,
    pub env: &'a Environment,
}

impl<'a> Fleet<'a> {
    pub fn new(aws: &'a Aws, env: &'a Environment) -> Fleet<'a> {
        Fleet { aws, env }
    }

    /// The auto scaling group of `colour`.
    fn asg(&self, colour: &str) -> Result<&'a str> {
        let env: &'a Environment = self.env;
        Ok(&env.names.autoscaling_groups[self.index(colour)?])
    }

    fn index(&self, colour: &str) -> Result<usize> {
        self.env
            .names
            .colours
            .iter()
            .position(|c| c == colour)
            .ok_or_else(|| anyhow!("`{}` has no colour `{colour}`", self.env.name))
    }

    /// The parameter's value; `None` before the first deploy created it.
    pub fn read_text(&self) -> Result<Option<String>> {
        let name = &self.env.names.release_parameter;
        let got = self
            .aws
            .block_on(self.aws.ssm().get_parameter().name(name).send());
        match got {
            Ok(out) => Ok(Some(
                out.parameter.and_then(|p| p.value).unwrap_or_default(),
            )),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                Ok(None)
            }
            Err(e) => Err(self.aws.error(&format!("ssm:GetParameter `{name}`"), e)),
        }
    }

    /// The release state in the parameter; `None` before the first deploy created it.
    pub fn read_state(&self) -> Result<Option<ReleaseState>> {
        let name = &self.env.names.release_parameter;
        self.read_text()?
            .map(|text| ReleaseState::parse(self.env, &text))
            .transpose()
            .map_err(|e| anyhow!("parameter `{name}`: {e}"))
    }

    pub fn write_state(&self, state: &ReleaseState) -> Result<()> {
        let name = &self.env.names.release_parameter;
        self.aws
            .block_on(
                self.aws
                    .ssm()
                    .put_parameter()
                    .name(name)
                    .value(state.to_json())
                    .overwrite(true)
                    .send(),
            )
            .map_err(|e| self.aws.error(&format!("ssm:PutParameter `{name}`"), e))?;
        Ok(())
    }

    /// The ARN of the environment's load balancer.
    fn load_balancer_arn(&self) -> Result<String> {
        let elb = self.aws.elb();
        let name = &self.env.names.alb;
        let lbs = self
            .aws
            .block_on(elb.describe_load_balancers().names(name).send())
            .map_err(|e| {
                self.aws.error(
                    &format!("elasticloadbalancing:DescribeLoadBalancers `{name}`"),
                    e,
                )
            })?;
        lbs.load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .ok_or_else(|| {
                anyhow!(
                    "load balancer `{name}` not found; deploy `{}` first",
                    self.env.name
                )
            })
            .map(str::to_string)
    }

    /// The HTTPS listener of the environment's load balancer.
    fn listener(&self) -> Result<String> {
        let (elb, name) = (self.aws.elb(), &self.env.names.alb);
        let arn = self.load_balancer_arn()?;
        let listeners = self
            .aws
            .block_on(elb.describe_listeners().load_balancer_arn(&arn).send())
            .map_err(|e| {
                self.aws.error(
                    &format!("elasticloadbalancing:DescribeListeners `{name}`"),
                    e,
                )
            })?;
        listeners
            .listeners()
            .iter()
            .find(|l| l.port() == Some(443))
            .and_then(|l| l.listener_arn())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("load balancer `{name}` has no HTTPS listener"))
    }

    /// Target group ARN by colour.
    fn target_groups(&self) -> Result<BTreeMap<String, String>> {
        let n = &self.env.names;
        let out = self
            .aws
            .block_on(
                self.aws
                    .elb()
                    .describe_target_groups()
                    .set_names(Some(n.target_groups.clone()))
                    .send(),
            )
            .map_err(|e| {
                self.aws
                    .error("elasticloadbalancing:DescribeTargetGroups", e)
            })?;
        let mut by_colour = BTreeMap::new();
        for tg in out.target_groups() {
            let name = tg.target_group_name().unwrap_or_default();
            if let Some(i) = n.target_groups.iter().position(|t| t == name) {
                let arn = tg.target_group_arn().unwrap_or_default().to_string();
                by_colour.insert(n.colours[i].clone(), arn);
            }
        }
        Ok(by_colour)
    }

    /// Point the listener at the weights of `state`.
    fn weigh(&self, state: &ReleaseState) -> Result<()> {
        let listener = self.listener()?;
        let groups = self.target_groups()?;
        let mut forward = ForwardActionConfig::builder().target_group_stickiness_config(
            TargetGroupStickinessConfig::builder()
                .enabled(false)
                .build(),
        );
        for (colour, c) in &state.colours {
            let arn = groups
                .get(colour)
                .ok_or_else(|| anyhow!("target group of `{colour}` not found"))?;
            forward = forward.target_groups(
                TargetGroupTuple::builder()
                    .target_group_arn(arn)
                    .weight(c.weight as i32)
                    .build(),
            );
        }
        let action = Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .forward_config(forward.build())
            .build();
        self.aws
            .block_on(
                self.aws
                    .elb()
                    .modify_listener()
                    .listener_arn(&listener)
                    .default_actions(action)
                    .send(),
            )
            .map_err(|e| {
                self.aws
                    .error("elasticloadbalancing:ModifyListener (weights)", e)
            })?;
        Ok(())
    }

    /// Move the listener from the weights of `from` to those of `to`, then record `to` in the
    /// parameter. When the parameter cannot be written the listener goes back to `from`, so
    /// the two never disagree (Terraform would otherwise put the parameter's weights back).
    pub fn shift(&self, from: &ReleaseState, to: &ReleaseState) -> Result<()> {
        self.weigh(to)?;
        if let Err(e) = self.write_state(to) {
            return Err(match self.weigh(from) {
                Ok(()) => e.context("the release state was not written, so the listener went back to its previous weights"),
                Err(back) => e.context(format!(
                    "the release state was not written and the listener could not go back either ({back:#}): the listener has the new weights, the parameter the old ones; run `cargo xtask status {}`",
                    self.env.name
                )),
            });
        }
        Ok(())
    }

    /// The listener's weights by colour, as the load balancer has them.
    pub fn live_weights(&self) -> Result<BTreeMap<String, i32>> {
        let listener = self.listener()?;
        let groups = self.target_groups()?;
        let out = self
            .aws
            .block_on(
                self.aws
                    .elb()
                    .describe_listeners()
                    .listener_arns(&listener)
                    .send(),
            )
            .map_err(|e| self.aws.error("elasticloadbalancing:DescribeListeners", e))?;
        let mut weights = BTreeMap::new();
        let actions = out
            .listeners()
            .first()
            .map(|l| l.default_actions())
            .unwrap_or_default();
        for action in actions {
            let tuples = action
                .forward_config()
                .map(|f| f.target_groups())
                .unwrap_or_default();
            for t in tuples {
                if let Some((colour, _)) = groups
                    .iter()
                    .find(|(_, arn)| Some(arn.as_str()) == t.target_group_arn())
                {
                    weights.insert(colour.clone(), t.weight().unwrap_or(1));
                }
            }
            // A plain forward (one group) takes all traffic.
            if let Some((colour, _)) = groups
                .iter()
                .find(|(_, arn)| Some(arn.as_str()) == action.target_group_arn())
            {
                weights.entry(colour.clone()).or_insert(100);
            }
        }
        Ok(weights)
    }

    /// The colour's auto scaling group and its targets' health.
    pub fn group(&self, colour: &str) -> Result<Group> {
        let asg_name = self.asg(colour)?;
        let asg = self.aws.autoscaling();
        let out = self
            .aws
            .block_on(
                asg.describe_auto_scaling_groups()
                    .auto_scaling_group_names(asg_name)
                    .send(),
            )
            .map_err(|e| {
                self.aws.error(
                    &format!("autoscaling:DescribeAutoScalingGroups `{asg_name}`"),
                    e,
                )
            })?;
        let Some(g) = out.auto_scaling_groups().first() else {
            return Ok(Group::default());
        };
        let instances: Vec<String> = g
            .instances()
            .iter()
            .filter_map(|x| x.instance_id().map(str::to_string))
            .collect();
        // Without a load balancer an instance counts as healthy when the group says so.
        let targets = if !self.env.compute.load_balancer {
            g.instances()
                .iter()
                .map(|x| {
                    let healthy = x
                        .lifecycle_state()
                        .is_some_and(|l| l.as_str() == "InService")
                        && x.health_status() == Some("Healthy");
                    Target {
                        id: x.instance_id().unwrap_or_default().to_string(),
                        state: if healthy { "healthy" } else { "unhealthy" }.into(),
                        reason: format!(
                            "{} {}",
                            x.lifecycle_state().map(|l| l.as_str()).unwrap_or_default(),
                            x.health_status().unwrap_or_default()
                        ),
                    }
                })
                .collect()
        } else {
            match self.target_groups()?.get(colour) {
                Some(arn) => self.health(arn, &instances)?,
                None => Vec::new(),
            }
        };
        Ok(Group {
            desired: g.desired_capacity().unwrap_or_default(),
            instances,
            targets,
        })
    }

    fn health(&self, target_group: &str, instances: &[String]) -> Result<Vec<Target>> {
        let out = self
            .aws
            .block_on(
                self.aws
                    .elb()
                    .describe_target_health()
                    .target_group_arn(target_group)
                    .send(),
            )
            .map_err(|e| {
                self.aws
                    .error("elasticloadbalancing:DescribeTargetHealth", e)
            })?;
        let mut targets: Vec<Target> = out
            .target_health_descriptions()
            .iter()
            .filter_map(|d| {
                let id = d.target()?.id()?.to_string();
                let health = d.target_health();
                let reason = health
                    .map(|h| {
                        let code = h
                            .reason()
                            .map(|r| r.as_str().to_string())
                            .unwrap_or_default();
                        let text = h.description().unwrap_or_default();
                        if code.is_empty() {
                            text.to_string()
                        } else {
                            format!("{code}: {text}")
                        }
                    })
                    .unwrap_or_default();
                let state = health
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string());
                Some(Target {
                    id,
                    state: state.unwrap_or_else(|| "unknown".into()),
                    reason,
                })
            })
            .filter(|t| instances.contains(&t.id))
            .collect();
        // An instance of the group the target group does not list yet is not healthy.
        for id in instances {
            if !targets.iter().any(|t| &t.id == id) {
                targets.push(Target {
                    id: id.clone(),
                    state: "unregistered".into(),
                    reason: String::new(),
                });
            }
        }
        Ok(targets)
    }

    /// When `colour`'s scheduled scale-down runs, if one is scheduled.
    pub fn scale_down(&self, colour: &str) -> Result<Option<String>> {
        self.scale_down_at(self.asg(colour)?)
    }

    fn scale_down_at(&self, asg_name: &str) -> Result<Option<String>> {
        let out = self
            .aws
            .block_on(
                self.aws
                    .autoscaling()
                    .describe_scheduled_actions()
                    .auto_scaling_group_name(asg_name)
                    .scheduled_action_names(SCALE_DOWN_ACTION)
                    .send(),
            )
            .map_err(|e| self.aws.error("autoscaling:DescribeScheduledActions", e))?;
        Ok(out
            .scheduled_update_group_actions()
            .first()
            .and_then(|a| a.start_time())
            .map(|t| t.to_string()))
    }

    /// Scale `colour` to zero at `at` (RFC 3339), the end of its rollback window.
    pub fn schedule_scale_down(&self, colour: &str, at: &str) -> Result<()> {
        let asg_name = self.asg(colour)?;
        let when = aws_sdk_autoscaling::primitives::DateTime::from_str(
            at,
            aws_sdk_autoscaling::primitives::DateTimeFormat::DateTime,
        )
        .with_context(|| format!("`{at}` is not a time"))?;
        self.aws
            .block_on(
                self.aws
                    .autoscaling()
                    .put_scheduled_update_group_action()
                    .auto_scaling_group_name(asg_name)
                    .scheduled_action_name(SCALE_DOWN_ACTION)
                    .start_time(when)
                    .min_size(0)
                    .max_size(0)
                    .desired_capacity(0)
                    .send(),
            )
            .map_err(|e| {
                self.aws.error(
                    &format!("autoscaling:PutScheduledUpdateGroupAction `{asg_name}`"),
                    e,
                )
            })?;
        Ok(())
    }

    /// Drop `colour`'s scheduled scale-down, if it has one (it takes traffic again).
    pub fn cancel_scale_down(&self, colour: &str) -> Result<()> {
        let asg_name = self.asg(colour)?;
        if self.scale_down_at(asg_name)?.is_none() {
            return Ok(());
        }
        self.aws
            .block_on(
                self.aws
                    .autoscaling()
                    .delete_scheduled_action()
                    .auto_scaling_group_name(asg_name)
                    .scheduled_action_name(SCALE_DOWN_ACTION)
                    .send(),
            )
            .map_err(|e| {
                self.aws.error(
                    &format!("autoscaling:DeleteScheduledAction `{asg_name}`"),
                    e,
                )
            })?;
        Ok(())
    }

    /// Run `colour`'s group at `desired` instances.
    pub fn set_desired(&self, colour: &str, desired: i32) -> Result<()> {
        let asg_name = self.asg(colour)?;
        self.aws
            .block_on(
                self.aws
                    .autoscaling()
                    .set_desired_capacity()
                    .auto_scaling_group_name(asg_name)
                    .desired_capacity(desired)
                    .honor_cooldown(false)
                    .send(),
            )
            .map_err(|e| {
                self.aws
                    .error(&format!("autoscaling:SetDesiredCapacity `{asg_name}`"), e)
            })?;
        Ok(())
    }

    /// Set `colour`'s group to `size` instances (minimum, maximum and desired), as Terraform
    /// sets a blue-green colour.
    pub fn resize(&self, colour: &str, size: i32) -> Result<()> {
        let asg_name = self.asg(colour)?;
        self.aws
            .block_on(
                self.aws
                    .autoscaling()
                    .update_auto_scaling_group()
                    .auto_scaling_group_name(asg_name)
                    .min_size(size)
                    .max_size(size)
                    .desired_capacity(size)
                    .send(),
            )
            .map_err(|e| {
                self.aws.error(
                    &format!("autoscaling:UpdateAutoScalingGroup `{asg_name}`"),
                    e,
                )
            })?;
        Ok(())
    }

    /// Terminate an instance of a group, lowering the group's desired count with it.
    pub fn terminate(&self, instance: &str) -> Result<()> {
        self.aws
            .block_on(
                self.aws
                    .autoscaling()
                    .terminate_instance_in_auto_scaling_group()
                    .instance_id(instance)
                    .should_decrement_desired_capacity(true)
                    .send(),
            )
            .map_err(|e| {
                self.aws.error(
                    &format!("autoscaling:TerminateInstanceInAutoScalingGroup `{instance}`"),
                    e,
                )
            })?;
        Ok(())
    }

    /// The 5xx-rate alarm's name when it is in ALARM (`None` when the environment declares no
    /// such alarm or it is not firing).
    pub fn five_xx_firing(&self) -> Result<Option<String>> {
        let Some(name) = self.env.names.alarm(AlarmKind::Alb5xxRate) else {
            return Ok(None);
        };
        let out = self
            .aws
            .block_on(
                self.aws
                    .cloudwatch()
                    .describe_alarms()
                    .alarm_names(name)
                    .send(),
            )
            .map_err(|e| {
                self.aws
                    .error(&format!("cloudwatch:DescribeAlarms `{name}`"), e)
            })?;
        let firing = out
            .metric_alarms()
            .iter()
            .any(|a| a.state_value().is_some_and(|s| s.as_str() == "ALARM"));
        Ok(firing.then(|| name.to_string()))
    }

    /// What a bake watches of `colour`'s answers: its target group's metrics, against the 5xx
    /// alarm's threshold. `None` when the environment has no 5xx alarm or no load balancer.
    pub fn five_xx_watch(&self, colour: &str) -> Result<Option<FiveXxWatch>> {
        let rule = self
            .env
            .monitoring
            .alarms
            .iter()
            .find(|r| r.kind == AlarmKind::Alb5xxRate);
        let Some(rule) = rule.filter(|_| self.env.compute.load_balancer) else {
            return Ok(None);
        };
        let target_group = self
            .target_groups()?
            .remove(colour)
            .ok_or_else(|| anyhow!("the target group of `{colour}` was not found"))?;
        // CloudWatch names them by the ARN's end: `app/<name>/<id>`, `targetgroup/<name>/<id>`.
        let suffix = |arn: &str| {
            arn.rsplit_once(':')
                .map_or(String::new(), |(_, s)| s.into())
        };
        let lb = suffix(&self.load_balancer_arn()?);
        let dimension =
            |name: &str, value: &str| Dimension::builder().name(name).value(value).build();
        Ok(Some(FiveXxWatch {
            dimensions: vec![
                dimension("TargetGroup", &suffix(&target_group)),
                dimension("LoadBalancer", lb.trim_start_matches("loadbalancer/")),
            ],
            threshold: rule.cloudwatch_threshold(),
        }))
    }

    /// The requests `watch`'s target group answered since `since` (Unix seconds), and how many
    /// with a 5xx: CloudWatch's one-minute sums from the minute of `since` on.
    pub fn answers(&self, watch: &FiveXxWatch, since: i64) -> Result<Answers> {
        use aws_sdk_cloudwatch::primitives::DateTime;
        use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
        let start = since / 60 * 60;
        let end = (crate::git::unix_now() / 60 + 1) * 60;
        let query = |id: &str, metric: &str| {
            let metric = Metric::builder()
                .namespace("AWS/ApplicationELB")
                .metric_name(metric)
                .set_dimensions(Some(watch.dimensions.clone()))
                .build();
            let stat = MetricStat::builder()
                .metric(metric)
                .period(60)
                .stat("Sum")
                .build();
            MetricDataQuery::builder().id(id).metric_stat(stat).build()
        };
        let out = self
            .aws
            .block_on(
                self.aws
                    .cloudwatch()
                    .get_metric_data()
                    .metric_data_queries(query("errors", "HTTPCode_Target_5XX_Count"))
                    .metric_data_queries(query("requests", "RequestCount"))
                    .start_time(DateTime::from_secs(start))
                    .end_time(DateTime::from_secs(end))
                    .send(),
            )
            .map_err(|e| self.aws.error("cloudwatch:GetMetricData", e))?;
        let sum = |id: &str| -> f64 {
            out.metric_data_results()
                .iter()
                .filter(|r| r.id() == Some(id))
                .flat_map(|r| r.values())
                .sum()
        };
        Ok(Answers {
            errors: sum("errors"),
            requests: sum("requests"),
        })
    }
}

/// What a bake watches of one colour's answers (see [`Fleet::five_xx_watch`]).
pub struct FiveXxWatch {
    dimensions: Vec<Dimension>,
    /// The 5xx alarm's threshold, in percent of requests.
    pub threshold: f64,
}

/// Requests a colour's targets answered, and how many of them with a 5xx.
pub struct Answers {
    pub errors: f64,
    pub requests: f64,
}

impl Answers {
    /// The share of 5xx answers in percent, when it is above `threshold` percent.
    pub fn above(&self, threshold: f64) -> Option<f64> {
        let percent = 100.0 * self.errors / self.requests;
        (self.requests > 0.0 && percent > threshold).then_some(percent)
    }
}

#[cfg(test)]
mod tests {
    use super::Answers;

    #[test]
    fn a_share_of_5xx_counts_only_above_the_threshold_and_with_requests() {
        let answers = |errors, requests| Answers { errors, requests };
        assert_eq!(answers(10.0, 20.0).above(5.0), Some(50.0));
        assert_eq!(answers(1.0, 20.0).above(5.0), None, "5 % is not above 5 %");
        assert_eq!(answers(2.0, 20.0).above(5.0), Some(10.0));
        assert_eq!(answers(0.0, 0.0).above(5.0), None, "no requests, no share");
        assert_eq!(answers(0.0, 50.0).above(0.0), None);
    }
}
