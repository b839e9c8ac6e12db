//! The price sheet: on-demand prices per region, as data (`infra/prices/<region>.toml`), each
//! with the date it was read and its source. The cost estimate ([`crate::cost`]) reads it.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One price: US dollars per `unit`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Price {
    pub usd: f64,
    pub unit: String,
    pub date: String,
    pub source: String,
    /// What the AWS Free Tier covers; shown beside the estimate, never subtracted.
    pub free_tier: Option<String>,
}

/// Instance-hours, one price per type of the instance catalog.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct Ec2Prices {
    pub date: String,
    pub source: String,
    pub free_tier: Option<String>,
    pub hourly: BTreeMap<String, f64>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct PriceSheet {
    pub region: String,
    pub ec2: Ec2Prices,
    pub price: BTreeMap<String, Price>,
}

/// Every price the estimate reads besides instance-hours, by its key in the sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priced {
    EbsGp3GbMonth,
    PublicIpv4Hour,
    AlbHour,
    AlbLcuHour,
    S3StandardGbMonth,
    S3Put1000,
    S3Get1000,
    SqsMillion,
    DynamoDbWriteMillion,
    DynamoDbReadMillion,
    DynamoDbGbMonth,
    CloudWatchAlarmMonth,
    CloudWatchDashboardMonth,
    LogsIngestGb,
    LogsStorageGbMonth,
    CloudTrailManagementTrail,
    Route53ZoneMonth,
    Route53QueryMillion,
    KmsRequest10000,
    TransferOutGb,
}

impl Priced {
    pub const ALL: [Priced; 20] = [
        Priced::EbsGp3GbMonth,
        Priced::PublicIpv4Hour,
        Priced::AlbHour,
        Priced::AlbLcuHour,
        Priced::S3StandardGbMonth,
        Priced::S3Put1000,
        Priced::S3Get1000,
        Priced::SqsMillion,
        Priced::DynamoDbWriteMillion,
        Priced::DynamoDbReadMillion,
        Priced::DynamoDbGbMonth,
        Priced::CloudWatchAlarmMonth,
        Priced::CloudWatchDashboardMonth,
        Priced::LogsIngestGb,
        Priced::LogsStorageGbMonth,
        Priced::CloudTrailManagementTrail,
        Priced::Route53ZoneMonth,
        Priced::Route53QueryMillion,
        Priced::KmsRequest10000,
        Priced::TransferOutGb,
    ];

    /// The key under `[price]` in the sheet.
    pub fn key(self) -> &'static str {
        match self {
            Priced::EbsGp3GbMonth => "ebs_gp3_gb_month",
            Priced::PublicIpv4Hour => "public_ipv4_hour",
            Priced::AlbHour => "alb_hour",
            Priced::AlbLcuHour => "alb_lcu_hour",
            Priced::S3StandardGbMonth => "s3_standard_gb_month",
            Priced::S3Put1000 => "s3_put_1000",
            Priced::S3Get1000 => "s3_get_1000",
            Priced::SqsMillion => "sqs_million",
            Priced::DynamoDbWriteMillion => "dynamodb_write_million",
            Priced::DynamoDbReadMillion => "dynamodb_read_million",
            Priced::DynamoDbGbMonth => "dynamodb_gb_month",
            Priced::CloudWatchAlarmMonth => "cloudwatch_alarm_month",
            Priced::CloudWatchDashboardMonth => "cloudwatch_dashboard_month",
            Priced::LogsIngestGb => "logs_ingest_gb",
            Priced::LogsStorageGbMonth => "logs_storage_gb_month",
            Priced::CloudTrailManagementTrail => "cloudtrail_management_trail",
            Priced::Route53ZoneMonth => "route53_zone_month",
            Priced::Route53QueryMillion => "route53_query_million",
            Priced::KmsRequest10000 => "kms_request_10000",
            Priced::TransferOutGb => "transfer_out_gb",
        }
    }
}

/// The sheets shipped with the crate: (region, TOML text).
const SHEETS: &[(&str, &str)] = &[("us-west-2", include_str!("../prices/us-west-2.toml"))];

/// The price sheet of `region`, if one ships; `Err` when a shipped sheet does not parse.
pub fn sheet(region: &str) -> Option<Result<&'static PriceSheet, String>> {
    static PARSED: OnceLock<Vec<(&'static str, Result<PriceSheet, String>)>> = OnceLock::new();
    let parsed = PARSED.get_or_init(|| {
        SHEETS
            .iter()
            .map(|(r, text)| (*r, toml::from_str(text).map_err(|e| e.to_string())))
            .collect()
    });
    parsed
        .iter()
        .find(|(r, _)| *r == region)
        .map(|(_, s)| s.as_ref().map_err(Clone::clone))
}

impl PriceSheet {
    pub fn get(&self, item: Priced) -> Option<&Price> {
        self.price.get(item.key())
    }

    pub fn hourly(&self, instance_type: &str) -> Option<f64> {
        self.ec2.hourly.get(instance_type).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::INSTANCE_TYPES;

    #[test]
    fn every_priced_thing_has_a_dated_sourced_price() {
        for (region, _) in SHEETS {
            let sheet = sheet(region).unwrap().unwrap();
            assert_eq!(&sheet.region, region);
            for item in Priced::ALL {
                let p = sheet
                    .get(item)
                    .unwrap_or_else(|| panic!("{region}: no {}", item.key()));
                assert!(p.usd >= 0.0 && p.usd.is_finite(), "{}", item.key());
                assert!(p.date.len() == 10 && !p.source.is_empty(), "{}", item.key());
            }
            for t in INSTANCE_TYPES {
                let hourly = sheet.hourly(t.name);
                assert!(
                    hourly.is_some_and(|h| h > 0.0),
                    "{region}: no price for {}",
                    t.name
                );
            }
            // Nothing priced that the catalog does not know.
            for name in sheet.ec2.hourly.keys() {
                assert!(INSTANCE_TYPES.iter().any(|t| t.name == name), "{name}");
            }
            let keys: Vec<&str> = Priced::ALL.iter().map(|p| p.key()).collect();
            for key in sheet.price.keys() {
                assert!(keys.contains(&key.as_str()), "unused price `{key}`");
            }
        }
        assert!(sheet("eu-north-9").is_none());
    }
}
