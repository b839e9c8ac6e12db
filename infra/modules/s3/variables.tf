variable "data_bucket_name" {
  description = "Data bucket name"
  type        = string
}

variable "log_bucket_name" {
  description = "Access-log bucket name"
  type        = string
}

variable "versioning" {
  description = "Keep object versions in the data bucket"
  type        = bool
}

variable "sse_algorithm" {
  description = "Default encryption: `AES256` or `aws:kms`"
  type        = string
}

variable "intelligent_tiering" {
  description = "Intelligent-Tiering archive configuration, null to skip"
  type        = object({ archive_access_days = number, deep_archive_access_days = number })
  default     = null
}

variable "lifecycle_enabled" {
  description = "Apply lifecycle_transitions to the data bucket"
  type        = bool
}

variable "lifecycle_transitions" {
  description = "Lifecycle transitions of the data bucket, in order"
  type        = list(object({ days = number, storage_class = string }))
}

variable "access_logging" {
  description = "Log data bucket access into the log bucket"
  type        = bool
}

variable "noncurrent_expiration_days" {
  description = "Days a data object version is kept after it stopped being current (versioning on)"
  type        = number
}

variable "abort_incomplete_multipart_days" {
  description = "Days after which both buckets abort an unfinished multipart upload"
  type        = number
}

variable "log_retention_days" {
  description = "Days the log bucket keeps its objects"
  type        = number
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the buckets with their objects; for environments that are not protected"
  type        = bool
  default     = false
}

variable "bucket_policies" {
  description = "Bucket policy JSON of the data and log buckets, rendered from the model (infra/src/expect.rs); null for no policy"
  type        = object({ data = string, log = string })
}
