locals {
  buckets = {
    data = var.data_bucket_name
    log  = var.log_bucket_name
  }

  # Id of the lifecycle rules and of the Intelligent-Tiering configuration (the same id the
  # xtask backend setup uses).
  rule_id = "mht-managed"

  # Server access logs of the data bucket land under s3/<data bucket>/ in the log bucket (the
  # prefix the log bucket's policy grants, infra/src/expect.rs).
  access_log_prefix = "s3/${var.data_bucket_name}/"

  # The policies come rendered from the model (infra/src/expect.rs, `bucket_policy`); a bucket
  # whose policy is null gets none.
  bucket_policies = {
    for key, policy in var.bucket_policies : key => policy if policy != null
  }
}

################################################################################
# Buckets: data and access logs
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV2_AWS_62:nothing in this stack consumes bucket events, so notifications would go nowhere
  #checkov:skip=CKV_AWS_144:one region by design (the plan); replication would double storage cost
  #checkov:skip=CKV_AWS_145:SSE-S3, the model's encryption (s3.data.encryption); load balancer access logs can only be delivered to an SSE-S3 bucket
  for_each = local.buckets

  bucket        = each.value
  force_destroy = var.force_destroy

  tags = { Name = each.value }
}

resource "aws_s3_bucket_public_access_block" "this" {
  for_each = local.buckets

  bucket                  = aws_s3_bucket.this[each.key].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs disabled on both buckets (BucketOwnerEnforced). Every writer of the log bucket (S3
# server access logging, CloudTrail, the load balancer, VPC flow logs) delivers as a principal
# the bucket policy grants, never through an ACL grant; the bucket-owner-full-control ACL
# CloudTrail and flow logs send is accepted under BucketOwnerEnforced.
resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = local.buckets

  bucket = aws_s3_bucket.this[each.key].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = var.sse_algorithm
    }
    bucket_key_enabled = var.sse_algorithm == "aws:kms" ? true : null
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = local.bucket_policies

  bucket = aws_s3_bucket.this[each.key].id
  policy = each.value

  # A policy is rejected while the public access block is being applied.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

################################################################################
# Data bucket: versioning, Intelligent-Tiering, lifecycle, access logging
################################################################################

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this["data"].id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_intelligent_tiering_configuration" "this" {
  count = var.intelligent_tiering != null ? 1 : 0

  bucket = aws_s3_bucket.this["data"].id
  name   = local.rule_id
  status = "Enabled"

  tiering {
    access_tier = "ARCHIVE_ACCESS"
    days        = var.intelligent_tiering.archive_access_days
  }

  tiering {
    access_tier = "DEEP_ARCHIVE_ACCESS"
    days        = var.intelligent_tiering.deep_archive_access_days
  }
}

# Transitions when the lifecycle policy is on; old versions expire and unfinished multipart
# uploads are aborted always.
resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.this["data"].id

  rule {
    id     = local.rule_id
    status = "Enabled"

    filter {}

    dynamic "transition" {
      for_each = var.lifecycle_enabled ? var.lifecycle_transitions : []

      content {
        days          = transition.value.days
        storage_class = transition.value.storage_class
      }
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.versioning ? [var.noncurrent_expiration_days] : []

      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }

  # Lifecycle rules on a versioned bucket must follow the versioning configuration.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_logging ? 1 : 0

  bucket        = aws_s3_bucket.this["data"].id
  target_bucket = aws_s3_bucket.this["log"].id
  target_prefix = local.access_log_prefix

  # S3 checks that the log bucket policy grants the logging service.
  depends_on = [aws_s3_bucket_policy.this]
}

################################################################################
# Log bucket: expiry
################################################################################

resource "aws_s3_bucket_lifecycle_configuration" "log" {
  bucket = aws_s3_bucket.this["log"].id

  rule {
    id     = local.rule_id
    status = "Enabled"

    filter {}

    expiration {
      days = var.log_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_days
    }
  }
}

# The data bucket's lifecycle configuration used to exist only with lifecycle_enabled.
moved {
  from = aws_s3_bucket_lifecycle_configuration.data[0]
  to   = aws_s3_bucket_lifecycle_configuration.data
}
