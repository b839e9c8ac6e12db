output "alerts_topic_arn" {
  description = "ARN of the alerts topic"
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of the alarms, keyed by kind"
  value       = { for k, a in aws_cloudwatch_metric_alarm.this : k => a.alarm_name }
}

output "alarm_function_arn" {
  description = "ARN of the alarm -> Discord function, if any"
  value       = try(aws_lambda_function.discord[0].arn, null)
}
