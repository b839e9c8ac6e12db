output "queue_url" {
  description = "URL of the job queue"
  value       = null # the resources come with issue #3
}

output "queue_arn" {
  description = "ARN of the job queue"
  value       = null # the resources come with issue #3
}

output "dead_letter_queue_arn" {
  description = "ARN of the dead-letter queue"
  value       = null # the resources come with issue #3
}
