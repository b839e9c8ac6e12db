output "alerts_topic_arn" {
  description = "ARN of the alerts topic"
  value       = null # the resources come with issue #3
}
