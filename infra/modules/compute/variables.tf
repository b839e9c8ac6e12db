variable "name" {
  description = "Name tag of the instances"
  type        = string
}

variable "launch_template_name" {
  description = "Launch template name"
  type        = string
}

variable "autoscaling_group_name" {
  description = "Auto scaling group name"
  type        = string
}

variable "instance_type" {
  description = "EC2 instance type"
  type        = string
}

variable "instance_count" {
  description = "Desired, minimum and maximum instance count"
  type        = number
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
  description = "Target groups the instances register with"
  type        = list(string)
}

variable "instance_profile_name" {
  description = "Instance profile carrying the api-service role"
  type        = string
}

variable "app_port" {
  description = "Port the API container listens on"
  type        = number
}

variable "container_image" {
  description = "Container image the instances run on app_port; the default is a placeholder answering 200 on every path"
  type        = string
  default     = "hashicorp/http-echo:1.0"
}

variable "container_args" {
  description = "Arguments of the container, null for the placeholder's `-listen=:<app_port> -text=ok`"
  type        = list(string)
  default     = null
}

variable "imds_hop_limit" {
  description = "IMDSv2 response hop limit (1-64); 1 keeps instance credentials on the instance"
  type        = number
  default     = 1
}
