data "aws_region" "current" {}

locals {
  log_groups = {
    app = { name = var.app_log_group_name, retention = var.app_log_retention_days }
    sqs = { name = var.sqs_log_group_name, retention = var.sqs_log_retention_days }
  }

  region = data.aws_region.current.name
}

################################################################################
# Alerts topic
################################################################################

resource "aws_sns_topic" "this" {
  #checkov:skip=CKV_AWS_26:the AWS managed SNS key's policy lets neither CloudWatch alarms nor AWS Budgets publish; encryption would need a customer managed key the plan does not budget
  name = var.alerts_topic_name

  tags = { Name = var.alerts_topic_name }
}

resource "aws_sns_topic_subscription" "subscribers" {
  for_each = { for s in var.subscriptions : "${s.protocol}:${s.endpoint}" => s }

  topic_arn = aws_sns_topic.this.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

################################################################################
# Alarms: one metric, or metric math over several (the renderer computes both)
################################################################################

locals {
  # A percentile (`p95`) is an extended statistic; the others are statistics.
  single = { for k, a in var.alarms : k => a.metric if a.metric != null }
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = var.alarms

  alarm_name          = each.value.name
  alarm_description   = each.value.description
  comparison_operator = each.value.comparison_operator
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  treat_missing_data  = "notBreaching"
  alarm_actions       = each.value.actions
  ok_actions          = each.value.actions

  namespace          = try(local.single[each.key].namespace, null)
  metric_name        = try(local.single[each.key].metric_name, null)
  dimensions         = try(local.single[each.key].dimensions, null)
  period             = try(local.single[each.key].period, null)
  statistic          = try(startswith(local.single[each.key].stat, "p") ? null : local.single[each.key].stat, null)
  extended_statistic = try(startswith(local.single[each.key].stat, "p") ? local.single[each.key].stat : null, null)

  dynamic "metric_query" {
    for_each = each.value.queries

    content {
      id          = metric_query.value.id
      expression  = metric_query.value.expression
      return_data = metric_query.value.return_data

      dynamic "metric" {
        for_each = metric_query.value.metric == null ? [] : [metric_query.value.metric]

        content {
          namespace   = metric.value.namespace
          metric_name = metric.value.metric_name
          dimensions  = metric.value.dimensions
          stat        = metric.value.stat
          period      = metric.value.period
        }
      }
    }
  }

  tags = { Name = each.value.name }
}

################################################################################
# Alarm -> Discord: a function subscribed to the topic; the webhook URL stays in SSM
################################################################################

resource "aws_iam_role" "discord" {
  count = var.discord.enabled ? 1 : 0

  name = var.discord.role_name
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })

  tags = { Name = var.discord.role_name }
}

resource "aws_iam_role_policy" "discord" {
  count = var.discord.enabled ? 1 : 0

  name = var.discord.role_name
  role = aws_iam_role.discord[0].id
  # The model's document (infra/src/documents.rs), which the isolation proof evaluates. The
  # SecureString is encrypted with the AWS managed `aws/ssm` key, whose key policy lets the
  # account's principals decrypt through SSM: no kms grant is needed.
  policy = var.discord.policy
}

resource "aws_cloudwatch_log_group" "discord" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts log data at rest with its own keys; a customer managed key is a cost the plan does not make
  #checkov:skip=CKV_AWS_338:retention is the application log group's, the model's per-environment dimension
  count = var.discord.enabled ? 1 : 0

  name              = var.discord.log_group_name
  retention_in_days = var.app_log_retention_days

  tags = { Name = var.discord.log_group_name }
}

resource "aws_lambda_function" "discord" {
  #checkov:skip=CKV_AWS_50:X-Ray tracing of a one-call function is a cost without a question it answers
  #checkov:skip=CKV_AWS_115:the topic is its only caller; concurrency is bounded by the alarms
  #checkov:skip=CKV_AWS_116:SNS retries a failed delivery; a dead-letter queue for alarm posts is noise
  #checkov:skip=CKV_AWS_117:it calls Discord and SSM over the internet; a VPC would need a NAT gateway the plan does not budget
  #checkov:skip=CKV_AWS_173:its environment holds names only; the webhook URL is read from SSM at run time
  #checkov:skip=CKV_AWS_272:the package is built from the committed source by `cargo xtask render`; code signing is a cost the plan does not make
  count = var.discord.enabled ? 1 : 0

  function_name    = var.discord.function_name
  role             = aws_iam_role.discord[0].arn
  runtime          = "python3.12"
  handler          = "discord_alarm.handler"
  filename         = "${path.module}/discord_alarm.zip"
  source_code_hash = filebase64sha256("${path.module}/discord_alarm.zip")
  timeout          = 15
  memory_size      = 128

  environment {
    variables = {
      WEBHOOK_PARAMETER = var.discord.parameter_name
      ENVIRONMENT       = var.discord.environment
    }
  }

  tags = { Name = var.discord.function_name }

  depends_on = [aws_cloudwatch_log_group.discord, aws_iam_role_policy.discord]
}

resource "aws_lambda_permission" "discord" {
  count = var.discord.enabled ? 1 : 0

  statement_id  = "AllowFrom-${aws_sns_topic.this.name}" # the topic, by its name in the model
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.discord[0].function_name
  principal     = "sns.amazonaws.com"
  source_arn    = aws_sns_topic.this.arn
}

resource "aws_sns_topic_subscription" "discord" {
  count = var.discord.enabled && var.discord_subscription_enabled ? 1 : 0

  topic_arn = aws_sns_topic.this.arn
  protocol  = "lambda"
  endpoint  = aws_lambda_function.discord[0].arn

  depends_on = [aws_lambda_permission.discord]
}

################################################################################
# Log groups
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts log data at rest with its own keys; a customer managed key is a cost the plan does not make
  #checkov:skip=CKV_AWS_338:retention is the model's per-environment dimension (7 to 90 days as the plan sets it); a year of logs is a cost decision the plan does not make
  for_each = local.log_groups

  name              = each.value.name
  retention_in_days = each.value.retention

  tags = { Name = each.value.name }
}

################################################################################
# Dashboard
################################################################################

resource "aws_cloudwatch_dashboard" "this" {
  count = var.dashboard_enabled ? 1 : 0

  dashboard_name = var.dashboard_name
  dashboard_body = var.dashboard_body
}

################################################################################
# CloudTrail
################################################################################

resource "aws_cloudtrail" "this" {
  #checkov:skip=CKV_AWS_67:one regional trail per environment: the environments share an account and one region, and a second multi-region trail records every event again at a charge
  #checkov:skip=CKV_AWS_252:a notification per delivered log file is noise; the alarms notify the alerts topic
  #checkov:skip=CKV_AWS_35:trail files are encrypted with SSE-S3 in the log bucket; a customer managed key is a cost the plan does not make
  #checkov:skip=CKV2_AWS_10:the trail's files stay in the log bucket with file validation; streaming them to CloudWatch Logs is an ingestion cost the plan does not make
  count = var.cloudtrail_enabled ? 1 : 0

  name                          = var.trail_name
  s3_bucket_name                = var.trail_bucket_name
  s3_key_prefix                 = "cloudtrail" # the prefix the log bucket policy grants (infra/src/expect.rs CLOUDTRAIL_PREFIX)
  is_multi_region_trail         = false
  include_global_service_events = true
  enable_log_file_validation    = true

  tags = { Name = var.trail_name }
}

################################################################################
# Cost budget: alerts at 80 % of actual and 100 % of forecast spend
################################################################################

data "aws_caller_identity" "current" {
  count = var.budget_enabled ? 1 : 0
}

# AWS Budgets publishes to the alerts topic only when the topic policy lets it.
resource "aws_sns_topic_policy" "this" {
  count = var.budget_enabled ? 1 : 0

  arn = aws_sns_topic.this.arn

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "OwnerAccount"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current[0].account_id}:root" }
        Action    = ["SNS:Publish", "SNS:Subscribe", "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:ListSubscriptionsByTopic"]
        Resource  = aws_sns_topic.this.arn
      },
      {
        Sid       = "CloudWatchAlarms"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "SNS:Publish"
        Resource  = aws_sns_topic.this.arn
      },
      {
        Sid       = "Budgets"
        Effect    = "Allow"
        Principal = { Service = "budgets.amazonaws.com" }
        Action    = "SNS:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current[0].account_id } }
      },
    ]
  })
}

resource "aws_budgets_budget" "this" {
  count = var.budget_enabled ? 1 : 0

  name         = var.budget_name
  budget_type  = "COST"
  limit_amount = format("%.2f", var.budget_limit_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  # Only this environment's spend: the `Environment` tag every resource carries (provider
  # default_tags), activated as a cost-allocation tag in the billing console.
  cost_filter {
    name   = "TagKeyValue"
    values = ["user:Environment$${var.budget_environment}"]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 80
    threshold_type            = "PERCENTAGE"
    notification_type         = "ACTUAL"
    subscriber_sns_topic_arns = [aws_sns_topic.this.arn]
  }

  notification {
    comparison_operator       = "GREATER_THAN"
    threshold                 = 100
    threshold_type            = "PERCENTAGE"
    notification_type         = "FORECASTED"
    subscriber_sns_topic_arns = [aws_sns_topic.this.arn]
  }

  depends_on = [aws_sns_topic_policy.this]
}
