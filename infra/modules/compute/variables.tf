variable "name" {
  description = "Name tag of the instances"
  type        = string
}

variable "groups" {
  description = "Instance groups by colour (one, or blue and green): names, the version (image tag) each runs and its capacity"
  type = map(object({
    launch_template_name   = string
    autoscaling_group_name = string
    version                = string
    capacity               = number
  }))
}

variable "surge" {
  description = "Instances a group may run above its capacity while a rolling release replaces it"
  type        = number
  default     = 0
}

variable "image" {
  description = "Container image repository the instances run, without a tag (the tag is the group's version)"
  type        = string
}

variable "log_group_name" {
  description = "CloudWatch Logs group the containers write to (awslogs driver)"
  type        = string
}

variable "region" {
  description = "Region of the log group"
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type"
  type        = string
}

variable "subnet_ids" {
  description = "Subnets the instances run in"
  type        = list(string)
}

variable "security_group_id" {
  description = "Security group of the instances"
  type        = string
}

variable "target_group_arns" {
  description = "Target group ARN by colour that each group's instances register with (empty without a load balancer)"
  type        = map(string)
}

variable "instance_profile_name" {
  description = "Instance profile carrying the api-service role"
  type        = string
}

variable "app_port" {
  description = "Port the API container listens on"
  type        = number
}

variable "container_args" {
  description = "Arguments of the container, null for the placeholder's `-listen=:<app_port> -text=<version>`"
  type        = list(string)
  default     = null
}

variable "imds_hop_limit" {
  description = "IMDSv2 response hop limit (1-64); 1 keeps instance credentials on the instance"
  type        = number
  default     = 1
}

variable "user_data_enabled" {
  description = "Start the container from the instances' user data; off only where the launch cannot take it (the local emulator)"
  type        = bool
  default     = true
}
