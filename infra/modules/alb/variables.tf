variable "enabled" {
  description = "Create the load balancer"
  type        = bool
}

variable "name" {
  description = "Load balancer name (at most 32 characters)"
  type        = string
}

variable "vpc_id" {
  description = "VPC of the target groups"
  type        = string
}

variable "subnet_ids" {
  description = "Subnets across at least two availability zones"
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the load balancer"
  type        = string
}

variable "target_group_names" {
  description = "Target group name by colour: one group, or blue and green when blue_green is on"
  type        = map(string)
}

variable "weights" {
  description = "Percentage of the HTTPS listener's traffic by colour (the release state's), adding up to 100"
  type        = map(number)
}

variable "app_port" {
  description = "Port the targets listen on"
  type        = number
}

variable "health_check_path" {
  description = "HTTP path of the target health check"
  type        = string
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener"
  type        = string
}

variable "blue_green" {
  description = "Two target groups behind a weighted listener for blue-green switches"
  type        = bool
}

variable "deletion_protection" {
  description = "The load balancer refuses deletion until this is switched off"
  type        = bool
}

variable "access_logs_enabled" {
  description = "Deliver access logs to access_logs_bucket"
  type        = bool
}

variable "access_logs_bucket" {
  description = "Bucket the access logs go to; its policy must grant Elastic Load Balancing delivery"
  type        = string
}

variable "access_logs_prefix" {
  description = "Key prefix of the access logs in access_logs_bucket"
  type        = string
}
