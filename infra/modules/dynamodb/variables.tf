variable "table_name" {
  description = "Application table name"
  type        = string
}

variable "hash_key" {
  description = "Hash key attribute (string)"
  type        = string
}

variable "point_in_time_recovery" {
  description = "Point-in-time recovery"
  type        = bool
}

variable "sse_enabled" {
  description = "Server-side encryption"
  type        = bool
}

variable "deletion_protection" {
  description = "The table refuses deletion until this is switched off"
  type        = bool
}
