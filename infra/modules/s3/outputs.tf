output "data_bucket_name" {
  description = "Data bucket name"
  value       = aws_s3_bucket.this["data"].id
}

output "data_bucket_arn" {
  description = "Data bucket ARN"
  value       = aws_s3_bucket.this["data"].arn
}

output "log_bucket_name" {
  description = "Log bucket name"
  value       = aws_s3_bucket.this["log"].id

  # Writers (CloudTrail) need the bucket policy in place before they use the bucket.
  depends_on = [aws_s3_bucket_policy.this]
}

output "log_bucket_arn" {
  description = "Log bucket ARN (VPC flow logs deliver here)"
  value       = aws_s3_bucket.this["log"].arn

  # Writers (VPC flow logs) need the bucket policy in place before they use the bucket.
  depends_on = [aws_s3_bucket_policy.this]
}
