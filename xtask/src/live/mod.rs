//! Live checks of a deployed environment against the model (`infra::expect`): shared by
//! `test-s3`, `test-sqs`, `deploy`'s post-deploy checks and `bench`.

pub mod alerts;
pub mod s3;
pub mod sqs;
