//! The role an environment's AWS calls assume: a well-formed role ARN (or role name) in the
//! environment's own account, and the session name and external ID STS accepts.

use super::names::iam_char;
use super::{all_chars, Sink, ASSUME_ROLE, ASSUME_ROLE_ACCOUNT};
use crate::model::{Draft, NameKind};

/// What is wrong with a role ARN `arn:<partition>:iam::<account>:role/<path/><name>`, and its
/// account when it is well formed.
fn parse_role_arn(arn: &str) -> Result<&str, String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err("is not an ARN: it needs six `:`-separated fields".into());
    };
    if !partition.starts_with("aws")
        || !all_chars(partition, |c| c.is_ascii_lowercase() || c == '-')
    {
        return Err(format!(
            "has partition `{partition}`, not `aws` (or `aws-cn`, `aws-us-gov`)"
        ));
    }
    if service != "iam" || !region.is_empty() {
        return Err("is not an IAM ARN (`arn:aws:iam::<account>:role/<name>`, no region)".into());
    }
    if account.len() != 12 || !all_chars(account, |c| c.is_ascii_digit()) {
        return Err(format!(
            "has account `{account}`, not a 12-digit account ID"
        ));
    }
    let Some(path) = resource.strip_prefix("role/") else {
        return Err(format!("names `{resource}`, not a role (`role/<name>`)"));
    };
    let (dirs, name) = path.rsplit_once('/').unwrap_or(("", path));
    if !dirs.is_empty()
        && dirs
            .split('/')
            .any(|d| d.is_empty() || !all_chars(d, iam_char))
    {
        return Err(format!(
            "has role path `{dirs}`: path parts are letters, digits and `_+=,.@-`"
        ));
    }
    match NameKind::Role.problem(name) {
        Some(problem) => Err(format!("has role name `{name}`, which {problem}")),
        None => Ok(account),
    }
}

/// A problem with an optional STS string parameter of `min..=max` characters of `ok`.
fn sts_value_problem(
    value: &str,
    min: usize,
    max: usize,
    ok: impl Fn(char) -> bool,
) -> Option<String> {
    let len = value.chars().count();
    if !(min..=max).contains(&len) {
        Some(format!("is {len} characters; STS accepts {min} to {max}"))
    } else if !all_chars(value, ok) {
        Some("has a character STS does not accept".into())
    } else {
        None
    }
}

pub(super) fn check_role(s: &mut Sink, env: &Draft) {
    let Some(assume) = &env.assume_role else {
        return;
    };
    let account = &env.account_id;
    if assume.role.starts_with("arn:") {
        match parse_role_arn(&assume.role) {
            Err(problem) => s.add(
                ASSUME_ROLE,
                "assume_role.role",
                &assume.role,
                problem,
                format!("write `arn:aws:iam::{account}:role/<name>`, or the role's name alone"),
            ),
            Ok(theirs) if theirs != account => s.add(
                ASSUME_ROLE_ACCOUNT,
                "assume_role.role",
                &assume.role,
                format!("is a role of account `{theirs}`, but the environment declares account `{account}`; the account guard would refuse its credentials"),
                format!("assume a role of account `{account}` (`arn:aws:iam::{account}:role/<name>`), or set `account` to `{theirs}` if the environment lives there"),
            ),
            Ok(_) => {}
        }
    } else if let Some(problem) = NameKind::Role.problem(&assume.role) {
        s.add(
            ASSUME_ROLE,
            "assume_role.role",
            &assume.role,
            format!("is not a role name: it {problem}"),
            "write the role's name (e.g. `mht-deployer`) or its whole ARN",
        );
    }
    let session = assume.session_name.as_deref();
    if let Some(problem) = session.and_then(|v| sts_value_problem(v, 2, 64, iam_char)) {
        s.add(
            ASSUME_ROLE,
            "assume_role.session_name",
            session.unwrap_or_default(),
            format!("is not a role session name: it {problem}"),
            "use 2-64 letters, digits and `_+=,.@-`, or leave it unset",
        );
    }
    let external = assume.external_id.as_deref();
    let external_char = |c: char| iam_char(c) || ":/".contains(c);
    if let Some(problem) = external.and_then(|v| sts_value_problem(v, 2, 1224, external_char)) {
        s.add(
            ASSUME_ROLE,
            "assume_role.external_id",
            external.unwrap_or_default(),
            format!("is not an external ID: it {problem}"),
            "use the 2-1224 characters (letters, digits, `_+=,.@:/-`) the role's trust policy names",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_arns_are_parsed_to_their_account() {
        let ok = [
            (
                "arn:aws:iam::222222222222:role/mht-deployer",
                "222222222222",
            ),
            (
                "arn:aws:iam::123456789012:role/deploy/ci/mht-deployer",
                "123456789012",
            ),
            ("arn:aws-us-gov:iam::123456789012:role/x", "123456789012"),
        ];
        for (arn, account) in ok {
            assert_eq!(parse_role_arn(arn), Ok(account), "{arn}");
        }
        let bad = [
            ("arn:aws:iam::222222222222", "six `:`-separated fields"),
            ("arn:azure:iam::222222222222:role/x", "partition `azure`"),
            ("arn:aws:sts::222222222222:role/x", "not an IAM ARN"),
            (
                "arn:aws:iam:us-west-2:222222222222:role/x",
                "not an IAM ARN",
            ),
            ("arn:aws:iam::2222:role/x", "account `2222`"),
            (
                "arn:aws:iam::222222222222:user/x",
                "names `user/x`, not a role",
            ),
            ("arn:aws:iam::222222222222:role/", "role name ``"),
            ("arn:aws:iam::222222222222:role/a b", "role name `a b`"),
            ("arn:aws:iam::222222222222:role/a//b", "role path `a/`"),
        ];
        for (arn, problem) in bad {
            let err = parse_role_arn(arn).unwrap_err();
            assert!(err.contains(problem), "{arn}: {err}");
        }
    }

    #[test]
    fn sts_values_are_checked_by_length_and_characters() {
        assert_eq!(sts_value_problem("mht-ci", 2, 64, iam_char), None);
        assert!(sts_value_problem("x", 2, 64, iam_char)
            .unwrap()
            .contains("is 1 characters"));
        assert!(sts_value_problem("a b", 2, 64, iam_char)
            .unwrap()
            .contains("character"));
    }
}
