variable "name_prefix" {
  description = "Prefix of every resource name, `<project>-<env>`"
  type        = string
}

variable "vpc_name" {
  description = "Name tag of the VPC"
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC"
  type        = string
}

variable "subnet_names" {
  description = "Name tag of each subnet, one per availability zone"
  type        = list(string)
}

variable "subnet_cidrs" {
  description = "IPv4 CIDR of each subnet, one per availability zone"
  type        = list(string)
}

variable "availability_zones" {
  description = "Availability zone of each subnet"
  type        = list(string)
}

variable "alb_security_group_name" {
  description = "Security group of the load balancer (80/443 open)"
  type        = string
}

variable "instance_security_group_name" {
  description = "Security group of the instances (app port from the load balancer only)"
  type        = string
}

variable "app_port" {
  description = "Port the API container listens on"
  type        = number
}

variable "flow_logs_enabled" {
  description = "Log all VPC traffic to flow_log_bucket_arn"
  type        = bool
}

variable "flow_log_bucket_arn" {
  description = "Bucket the flow logs go to; its policy must grant the log delivery service"
  type        = string
}
