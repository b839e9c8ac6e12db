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
