output "vpc_id" {
  description = "ID of the VPC"
  value       = aws_vpc.this.id
}

output "subnet_ids" {
  description = "IDs of the subnets, in availability zone order"
  value       = aws_subnet.this[*].id
}

output "alb_security_group_id" {
  description = "Security group of the load balancer"
  value       = aws_security_group.alb.id
}

output "instance_security_group_id" {
  description = "Security group of the instances"
  value       = aws_security_group.instance.id
}
