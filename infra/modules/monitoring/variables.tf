variable "alerts_topic_name" {
  description = "SNS topic the alarms notify"
  type        = string
}

variable "app_log_group_name" {
  description = "Application log group"
  type        = string
}

variable "app_log_retention_days" {
  description = "Retention of the application log group"
  type        = number
}

variable "sqs_log_group_name" {
  description = "Queue consumers log group"
  type        = string
}

variable "sqs_log_retention_days" {
  description = "Retention of the queue consumers log group"
  type        = number
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard"
  type        = bool
}

variable "dashboard_name" {
  description = "Dashboard name"
  type        = string
}

variable "cloudtrail_enabled" {
  description = "Create the CloudTrail trail"
  type        = bool
}

variable "trail_name" {
  description = "Trail name"
  type        = string
}

variable "trail_bucket_name" {
  description = "Bucket the trail writes to"
  type        = string
}

variable "queue_name" {
  description = "Job queue shown on the dashboard"
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Dead-letter queue shown on the dashboard"
  type        = string
}

variable "alb_arn_suffix" {
  description = "Load balancer shown on the dashboard"
  type        = string
}

variable "budget_enabled" {
  description = "Create the AWS Budgets budget; false only on emulators without the Budgets API Terraform reads"
  type        = bool
  default     = true
}

variable "budget_name" {
  description = "Name of the monthly cost budget"
  type        = string
}

variable "budget_limit_usd" {
  description = "Monthly budget in US dollars (the model's `cost.budget_usd`)"
  type        = number
}

variable "budget_environment" {
  description = "Value of the `Environment` cost-allocation tag the budget is filtered by"
  type        = string
}
