variable "api_service_role_name" {
  description = "Name of the api-service role, null to skip it"
  type        = string
  default     = null
}

variable "worker_service_role_name" {
  description = "Name of the worker-service role, null to skip it"
  type        = string
  default     = null
}

variable "s3_access_role_name" {
  description = "Name of the s3-access role, null to skip it"
  type        = string
  default     = null
}

variable "instance_profile_name" {
  description = "Instance profile for the api-service role"
  type        = string
}

variable "role_policies" {
  description = "Inline policy of each service role: role key (api-service, worker-service, s3-access) to JSON policy document"
  type        = map(string)
}

variable "teams" {
  description = "Teams by name: the name and JSON document of the team's access policy, and the name of the IAM group it is attached to"
  type = map(object({
    policy_name = string
    policy      = string
    group_name  = string
  }))
}
