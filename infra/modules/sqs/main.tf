################################################################################
# Job queue and dead-letter queue
#
# The two queues have no dependency on each other and are created in parallel; the
# redrive policies are separate resources that link them afterwards.
################################################################################

resource "aws_sqs_queue" "this" {
  name                       = var.queue_name
  visibility_timeout_seconds = var.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  max_message_size           = var.max_message_size
  receive_wait_time_seconds  = var.receive_wait_time_seconds
  sqs_managed_sse_enabled    = var.sse_enabled

  tags = { Name = var.queue_name }

  lifecycle {
    # Owned by aws_sqs_queue_redrive_policy.this.
    ignore_changes = [redrive_policy]
  }
}

resource "aws_sqs_queue" "dlq" {
  name                      = var.dead_letter_queue_name
  message_retention_seconds = var.dead_letter_retention_seconds
  max_message_size          = var.max_message_size
  sqs_managed_sse_enabled   = var.sse_enabled

  tags = { Name = var.dead_letter_queue_name }

  lifecycle {
    # Owned by aws_sqs_queue_redrive_allow_policy.this.
    ignore_changes = [redrive_allow_policy]
  }
}

resource "aws_sqs_queue_redrive_policy" "this" {
  queue_url = aws_sqs_queue.this.id
  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })
}

resource "aws_sqs_queue_redrive_allow_policy" "this" {
  count = var.redrive_allow_policy_enabled ? 1 : 0

  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

################################################################################
# Alarms
################################################################################

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  count = var.alarms_enabled ? 1 : 0

  alarm_name          = var.dlq_depth_alarm_name
  alarm_description   = "Messages are waiting in ${var.dead_letter_queue_name}"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = aws_sqs_queue.dlq.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 1
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = { Name = var.dlq_depth_alarm_name }
}

resource "aws_cloudwatch_metric_alarm" "oldest_message" {
  count = var.alarms_enabled ? 1 : 0

  alarm_name          = var.oldest_message_alarm_name
  alarm_description   = "The oldest message in ${var.queue_name} is older than ${var.oldest_message_alarm_seconds} s"
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = aws_sqs_queue.this.name }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 5
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.oldest_message_alarm_seconds
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  tags = { Name = var.oldest_message_alarm_name }
}
