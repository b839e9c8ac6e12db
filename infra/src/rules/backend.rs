//! The Terraform `backend "s3"` block and the state bucket's retention.

use super::{Sink, BACKEND_ARGUMENT, BACKEND_KEY, STATE_RETENTION};
use crate::model::Draft;

/// Arguments the Terraform `backend "s3"` block accepts besides those the model renders.
pub const BACKEND_ARGUMENTS: [&str; 24] = [
    "acl",
    "assume_role",
    "assume_role_with_web_identity",
    "custom_ca_bundle",
    "ec2_metadata_service_endpoint",
    "endpoints",
    "forbidden_account_ids",
    "allowed_account_ids",
    "http_proxy",
    "https_proxy",
    "insecure",
    "kms_key_id",
    "max_retries",
    "no_proxy",
    "profile",
    "retry_mode",
    "shared_config_files",
    "shared_credentials_files",
    "skip_credentials_validation",
    "skip_metadata_api_check",
    "skip_region_validation",
    "skip_s3_checksum",
    "sse_customer_key",
    "use_lockfile",
];

/// Bucket settings people put into the backend block by mistake, and where they belong.
const BUCKET_SETTINGS: [&str; 4] = [
    "versioning",
    "lifecycle_rule",
    "server_side_encryption",
    "logging",
];

pub(super) fn check_backend(s: &mut Sink, env: &Draft) {
    let b = &env.backend;
    if b.key.is_empty() || b.key.starts_with('/') || b.key.ends_with('/') || b.key.contains("//") {
        s.add(
            BACKEND_KEY,
            "backend.key",
            &b.key,
            "Terraform's S3 backend rejects this key",
            "use a relative path such as `infrastructure/terraform.tfstate`",
        );
    }
    if b.state_retention_days == 0 {
        s.add(
            STATE_RETENTION,
            "backend.state_retention_days",
            0,
            "noncurrent state versions would never be kept",
            "set 1 or more days",
        );
    }
    for (k, _) in &b.extra {
        let path = format!("backend.extra.{k}");
        if BUCKET_SETTINGS.contains(&k.as_str()) {
            s.add(
                BACKEND_ARGUMENT,
                path,
                k,
                "is a setting of the state bucket, not an argument of the `backend \"s3\"` block; terraform init rejects it",
                "remove it: `cargo xtask setup-backend` applies versioning, encryption and state_retention_days to the bucket",
            );
        } else if k == "assume_role" {
            s.add(
                BACKEND_ARGUMENT,
                path,
                k,
                "is an object Terraform's backend takes from the model, not a string",
                "remove it and declare the role with `.assume_role(\"<role>\")`: the provider and the backend both assume it",
            );
        } else if !BACKEND_ARGUMENTS.contains(&k.as_str()) {
            s.add(
                BACKEND_ARGUMENT,
                path,
                k,
                "is not an argument of Terraform's `backend \"s3\"` block (bucket, key, region, dynamodb_table and encrypt come from the model)",
                format!("remove it or use one of {}", BACKEND_ARGUMENTS.join(", ")),
            );
        }
    }
}
