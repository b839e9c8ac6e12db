output "vpc_id" {
  description = "ID of the VPC"
  value       = null # the resources come with issue #3
}

output "subnet_ids" {
  description = "IDs of the subnets, in availability zone order"
  value       = null # the resources come with issue #3
}

output "alb_security_group_id" {
  description = "Security group of the load balancer"
  value       = null # the resources come with issue #3
}

output "instance_security_group_id" {
  description = "Security group of the instances"
  value       = null # the resources come with issue #3
}
