output "instance_profile_name" {
  description = "Instance profile of the api-service role"
  value       = null # the resources come with issue #3
}

output "role_arns" {
  description = "ARN of each service role by name"
  value       = null # the resources come with issue #3
}
