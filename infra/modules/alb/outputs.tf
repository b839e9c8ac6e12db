output "dns_name" {
  description = "DNS name of the load balancer"
  value       = null # the resources come with issue #3
}

output "zone_id" {
  description = "Hosted zone of the load balancer"
  value       = null # the resources come with issue #3
}

output "arn_suffix" {
  description = "ARN suffix for CloudWatch metrics"
  value       = null # the resources come with issue #3
}

output "target_group_arns" {
  description = "ARNs of the target groups"
  value       = null # the resources come with issue #3
}
