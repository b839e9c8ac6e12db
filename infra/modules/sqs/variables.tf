variable "queue_name" {
  description = "Job queue name"
  type        = string
}

variable "dead_letter_queue_name" {
  description = "Dead-letter queue name"
  type        = string
}

variable "sse_enabled" {
  description = "SSE-SQS encryption on both queues"
  type        = bool
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the job queue"
  type        = number
}

variable "message_retention_seconds" {
  description = "Retention of the job queue"
  type        = number
}

variable "max_message_size" {
  description = "Maximum message size in bytes"
  type        = number
}

variable "receive_wait_time_seconds" {
  description = "Long-poll wait of the job queue"
  type        = number
}

variable "dead_letter_retention_seconds" {
  description = "Retention of the dead-letter queue (longer than the source)"
  type        = number
}

variable "max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue"
  type        = number
}

variable "redrive_allow_policy_enabled" {
  description = "Only the job queue may use the dead-letter queue (RedriveAllowPolicy); false only on emulators that do not report it"
  type        = bool
  default     = true
}
