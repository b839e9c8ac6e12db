//! The application table.

use super::{Sink, DYNAMODB_KEY};
use crate::model::Draft;

pub(super) fn check_dynamodb(s: &mut Sink, env: &Draft) {
    if env.dynamodb.hash_key.is_empty() || env.dynamodb.hash_key.len() > 255 {
        s.add(
            DYNAMODB_KEY,
            "dynamodb.hash_key",
            &env.dynamodb.hash_key,
            "attribute name must be 1-255 characters",
            "name the key attribute, e.g. `id`",
        );
    }
}
