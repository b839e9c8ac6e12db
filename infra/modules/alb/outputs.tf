output "dns_name" {
  description = "DNS name of the load balancer"
  value       = try(aws_lb.this[0].dns_name, null)
}

output "zone_id" {
  description = "Hosted zone of the load balancer"
  value       = try(aws_lb.this[0].zone_id, null)
}

output "arn_suffix" {
  description = "ARN suffix for CloudWatch metrics"
  value       = try(aws_lb.this[0].arn_suffix, null)
}

output "target_group_arns" {
  description = "ARNs of the target groups by colour (empty without the load balancer)"
  value       = { for colour, group in aws_lb_target_group.this : colour => group.arn }
}

output "target_group_arn_suffixes" {
  description = "ARN suffixes of the target groups by colour, for CloudWatch metrics"
  value       = { for colour, group in aws_lb_target_group.this : colour => group.arn_suffix }
}
