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

variable "dashboard_body" {
  description = "Dashboard body, JSON text the renderer computes from the model (a widget per alarm)"
  type        = string
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

variable "subscriptions" {
  description = "Subscribers of the alerts topic besides the function: `email` addresses and `https` URLs"
  type = list(object({
    protocol = string
    endpoint = string
  }))
}

variable "alarms" {
  description = "Every alarm, keyed by kind: name, description, comparison, threshold, evaluation periods, actions, and either its one metric or its metric math queries (metrics and the expression returned)"
  type = map(object({
    name                = string
    description         = string
    comparison_operator = string
    threshold           = number
    evaluation_periods  = number
    actions             = list(string)
    metric = object({
      namespace   = string
      metric_name = string
      dimensions  = map(string)
      stat        = string
      period      = number
    })
    queries = list(object({
      id          = string
      expression  = string
      return_data = bool
      metric = object({
        namespace   = string
        metric_name = string
        dimensions  = map(string)
        stat        = string
        period      = number
      })
    }))
  }))
}

variable "discord" {
  description = "The alarm -> Discord function: whether it exists, its names, the SSM parameter holding the webhook URL (read at run time), the environment it reports and its role's policy (JSON)"
  type = object({
    enabled        = bool
    function_name  = string
    role_name      = string
    log_group_name = string
    parameter_name = string
    environment    = string
    policy         = string
  })
}

variable "discord_subscription_enabled" {
  description = "Subscribe the function to the topic; false only on emulators that would run it in Docker on every publish"
  type        = bool
  default     = true
}
