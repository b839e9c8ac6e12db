output "data_bucket_name" {
  description = "Data bucket name"
  value       = null # the resources come with issue #3
}

output "data_bucket_arn" {
  description = "Data bucket ARN"
  value       = null # the resources come with issue #3
}

output "log_bucket_name" {
  description = "Log bucket name"
  value       = null # the resources come with issue #3
}
