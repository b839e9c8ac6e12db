//! Adopting resources that exist already, with S3 native locking beside the lock table: a copy
//! of this workspace whose staging adopts its main API record and its data bucket and locks
//! with both; the record and the bucket are made out of band, the first deploy imports them,
//! the next plan is empty and says the adoptions can go.

use super::interrupt::{leave_lock, lock_info};
use crate::support::fixtures::env;
use crate::support::{cargo_xtask, commit_all, edit, workspace_copy, Moto};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

const API: &str = "staging.api.amygdalas.com";

/// The record and the bucket, made as someone made them by hand before the tool existed.
fn made_out_of_band(endpoint: &str) {
    let e = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(endpoint.to_string())).unwrap();
    let zone = aws.emulator_zone(&e.dns.zone.name).unwrap();
    let r53 = aws_sdk_route53::Client::new(&aws.config);
    let record = ResourceRecordSet::builder()
        .name(API)
        .r#type(RrType::A)
        .ttl(300)
        .resource_records(
            ResourceRecord::builder()
                .value("192.0.2.10")
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let change = Change::builder()
        .action(ChangeAction::Create)
        .resource_record_set(record)
        .build()
        .unwrap();
    aws.block_on(
        r53.change_resource_record_sets()
            .hosted_zone_id(&zone)
            .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
            .send(),
    )
    .unwrap();
    let location = CreateBucketConfiguration::builder()
        .location_constraint(BucketLocationConstraint::from(e.region.as_str()))
        .build();
    aws.block_on(
        aws.s3()
            .create_bucket()
            .bucket(&e.names.data_bucket)
            .create_bucket_configuration(location)
            .send(),
    )
    .unwrap();
}

#[test]
fn existing_resources_are_adopted_and_the_next_plan_is_empty() {
    let copy = workspace_copy("adopt");
    let c = copy.path();
    edit(
        c,
        "infra/src/environments.rs",
        "        .backend(|b| b.state_retention_days = 90)",
        &format!(
            "        .backend(|b| {{ b.state_retention_days = 90; b.locking = crate::model::Locking::Both; }})\n        .adopt(|a| {{ a.dns_record(\"{API}\").bucket(crate::model::BucketKind::Data); }})"
        ),
    );
    cargo_xtask(c, "adopt", &[], &["render"]).expect(0);
    let root = std::fs::read_to_string(c.join("infra/environments/staging/main.tf.json")).unwrap();
    assert!(root.contains("\"use_lockfile\": true"), "{root}");
    assert!(root.contains("\"import\": ["), "{root}");
    commit_all(c);

    let moto = Moto::start();
    let ep = moto.endpoint();
    let local = [("MHT_LOCAL_ENDPOINT", ep.as_str())];
    let xtask = |args: &[&str]| cargo_xtask(c, "adopt", &local, &[&["--local"], args].concat());
    made_out_of_band(&ep);
    xtask(&["setup-backend", "staging"])
        .expect(0)
        .contains("mht-terraform-locks-staging");

    // A lock in the `.tflock` object is found before Terraform runs; a run that locks with both
    // and dies leaves the same lock in the table too, and `unlock` releases both.
    let e = env("staging");
    let aws = xtask::aws::Aws::with_endpoint(&e, Some(ep.clone())).unwrap();
    let info = lock_info(&e, "tflock-1");
    aws.block_on(
        aws.s3()
            .put_object()
            .bucket(&e.names.state_bucket)
            .key(xtask::backend::state_lock::lockfile_key(&e))
            .body(info.to_string().into_bytes().into())
            .send(),
    )
    .unwrap();
    xtask(&["plan", "staging"])
        .expect(1)
        .contains("held by tester@gone-host for apply")
        .contains("cargo xtask unlock staging tflock-1");
    leave_lock(&ep, "staging", "tflock-1");
    xtask(&["unlock", "staging", "tflock-1"])
        .expect(0)
        .contains("released: the state of `staging` is unlocked");
    assert_eq!(xtask::backend::state_lock::held(&aws, &e).unwrap(), None);
    // A lock left in the table only (Terraform's `force-unlock` refuses it: no `.tflock`).
    leave_lock(&ep, "staging", "table-only-1");
    xtask(&["unlock", "staging", "table-only-1"])
        .expect(0)
        .contains("released: the state of `staging` is unlocked");
    assert_eq!(xtask::backend::state_lock::held(&aws, &e).unwrap(), None);

    let data = &e.names.data_bucket;
    let plan = xtask(&["plan", "staging"]);
    plan.expect(2)
        .contains("plan `staging`: 2 to import, ")
        .contains(&format!(
            "module.dns.aws_route53_record.this[\"{API}\"] (import id `"
        ))
        .contains(&format!(
            "module.s3.aws_s3_bucket.this[\"data\"] (import id `{data}`)"
        ));
    xtask(&["deploy", "staging", "--yes"])
        .expect(0)
        .contains("result: success");
    let after = xtask(&["plan", "staging"]);
    after
        .expect(0)
        .contains("plan `staging`: no changes")
        .contains(&format!("adopts the DNS record `{API}` (A)"))
        .contains(&format!("adopts the bucket `{data}`"))
        .contains(&format!(
            "remove `a.dns_record(\"{API}\")` from its `adopt` section"
        ))
        .contains("remove `a.bucket(BucketKind::Data)` from its `adopt` section");
}
