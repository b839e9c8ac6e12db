data "aws_region" "current" {}

locals {
  log_groups = {
    app = { name = var.app_log_group_name, retention = var.app_log_retention_days }
    sqs = { name = var.sqs_log_group_name, retention = var.sqs_log_retention_days }
  }

  region = data.aws_region.current.name

  dashboard_widgets = [
    {
      type   = "metric"
      x      = 0
      y      = 0
      width  = 12
      height = 6
      properties = {
        title  = "Load balancer: requests and errors"
        region = local.region
        view   = "timeSeries"
        stat   = "Sum"
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", var.alb_arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
          ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", var.alb_arn_suffix],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 0
      width  = 12
      height = 6
      properties = {
        title  = "Load balancer: target response time"
        region = local.region
        view   = "timeSeries"
        stat   = "p95"
        period = 60
        metrics = [
          ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", var.alb_arn_suffix],
        ]
      }
    },
    {
      type   = "metric"
      x      = 0
      y      = 6
      width  = 12
      height = 6
      properties = {
        title  = "Job queue ${var.queue_name}"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.queue_name],
          ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", var.queue_name],
          ["AWS/SQS", "NumberOfMessagesSent", "QueueName", var.queue_name, { stat = "Sum" }],
        ]
      }
    },
    {
      type   = "metric"
      x      = 12
      y      = 6
      width  = 12
      height = 6
      properties = {
        title  = "Dead-letter queue ${var.dead_letter_queue_name}"
        region = local.region
        view   = "timeSeries"
        stat   = "Maximum"
        period = 60
        metrics = [
          ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", var.dead_letter_queue_name],
        ]
      }
    },
  ]
}

################################################################################
# Alerts topic
################################################################################

resource "aws_sns_topic" "this" {
  #checkov:skip=CKV_AWS_26:the AWS managed SNS key's policy lets neither CloudWatch alarms nor AWS Budgets publish; encryption would need a customer managed key the plan does not budget
  name = var.alerts_topic_name

  tags = { Name = var.alerts_topic_name }
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
  dashboard_body = jsonencode({ widgets = local.dashboard_widgets })
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
