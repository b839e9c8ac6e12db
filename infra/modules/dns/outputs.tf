output "certificate_arn" {
  description = "ARN of the validated certificate"
  value       = null # the resources come with issue #3
}
