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

variable "data_bucket_arn" {
  description = "Data bucket the roles may use"
  type        = string
}

variable "queue_arn" {
  description = "Job queue the roles may use"
  type        = string
}

variable "dead_letter_queue_arn" {
  description = "Dead-letter queue the worker may use"
  type        = string
}

variable "table_arn" {
  description = "Application table the roles may use"
  type        = string
}

variable "team_policies" {
  description = "Team access policies: policy name to JSON policy document"
  type        = map(string)
}
