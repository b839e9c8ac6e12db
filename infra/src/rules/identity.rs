//! Who and where: the environment's name, project prefix, region, account and tags.

use super::dns::is_dns_label;
use super::{all_chars, Sink, ACCOUNT, ENV_NAME, PROJECT, REGION, TAGS};
use crate::model::Draft;

fn is_region(s: &str) -> bool {
    // e.g. us-west-2, eu-central-1, us-gov-west-1, ap-southeast-4
    let parts: Vec<_> = s.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && all_chars(p, |c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

pub(super) fn check_identity(s: &mut Sink, env: &Draft) {
    if !is_dns_label(&env.name) {
        s.add(
            ENV_NAME,
            "name",
            &env.name,
            "environment name is not a lowercase DNS label",
            "use lowercase letters, digits and inner `-`, e.g. `staging`",
        );
    }
    if !is_dns_label(&env.project) {
        s.add(
            PROJECT,
            "project",
            &env.project,
            "project prefix is not a lowercase DNS label",
            "use lowercase letters, digits and inner `-`, e.g. `mht-api`",
        );
    }
    if !is_region(&env.region) {
        s.add(
            REGION,
            "region",
            &env.region,
            "is not an AWS region name",
            "use a region such as `us-west-2`",
        );
    }
    if env.account_id.len() != 12 || !all_chars(&env.account_id, |c| c.is_ascii_digit()) {
        s.add(
            ACCOUNT,
            "account",
            &env.account_id,
            "is not a 12-digit AWS account ID",
            "use the 12-digit ID `aws sts get-caller-identity` prints",
        );
    }
    let tags = env.default_tags();
    if tags.len() > 50 {
        s.add(TAGS, "tags", tags.len(), "more than 50 tags", "drop tags");
    }
    for (k, v) in &tags {
        let bad_key = k.is_empty() || k.len() > 128 || k.to_ascii_lowercase().starts_with("aws:");
        if bad_key || v.len() > 256 {
            s.add(
                TAGS,
                format!("tags.{k}"),
                v,
                "tag key must be 1-128 chars without `aws:`, value at most 256 chars",
                "rename the key or shorten the value",
            );
        }
    }
}
