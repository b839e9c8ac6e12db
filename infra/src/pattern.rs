//! IAM-style wildcards, implemented once: `*` matches any run of characters, `?` exactly one,
//! everything else itself, case-sensitively. [`glob_match`] matches a name against a pattern;
//! [`overlap`] decides whether two patterns match a common string and returns one; [`arn_overlap`]
//! does the same for ARNs, segment by segment (partition, service, region, account, resource), as
//! IAM matches a policy's `Resource` against a request's ARN.

use std::collections::HashSet;

/// Whether `pattern` matches all of `text`.
pub fn glob_match(text: &str, pattern: &str) -> bool {
    let (t, p) = (text.as_bytes(), pattern.as_bytes());
    let (mut ti, mut pi, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(sp) = star {
            pi = sp + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

/// A string both patterns match, if there is one: where a wildcard of one pattern meets text of
/// the other, the witness takes the text (a `?` against a `?` or `*` becomes `x`).
pub fn overlap(a: &str, b: &str) -> Option<String> {
    if !ends_agree(a, b) {
        return None;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut dead = HashSet::new();
    let mut out = Vec::new();
    walk(&a, &b, 0, 0, &mut dead, &mut out).then(|| out.into_iter().rev().collect())
}

/// Whether the fixed text before the first wildcard of each pattern, and after the last, could
/// be the same string's: one is a prefix (suffix) of the other. A cheap test that settles most
/// pairs of unrelated ARNs without the search.
fn ends_agree(a: &str, b: &str) -> bool {
    let tail = |s: &str| s.rfind(WILDCARDS).map_or(0, |i| i + 1);
    let (ha, hb) = (head(a), head(b));
    let (ta, tb) = (&a[tail(a)..], &b[tail(b)..]);
    if ha.len() == a.len() && hb.len() == b.len() {
        return a == b;
    }
    (ha.starts_with(hb) || hb.starts_with(ha)) && (ta.ends_with(tb) || tb.ends_with(ta))
}

const WILDCARDS: [char; 2] = ['*', '?'];

/// The fixed text of a pattern before its first wildcard (all of it without one).
pub fn head(pattern: &str) -> &str {
    &pattern[..pattern.find(WILDCARDS).unwrap_or(pattern.len())]
}

/// Whether `a[i..]` and `b[j..]` match a common string; on success `out` holds it, reversed.
fn walk(
    a: &[char],
    b: &[char],
    i: usize,
    j: usize,
    dead: &mut HashSet<(usize, usize)>,
    out: &mut Vec<char>,
) -> bool {
    if i == a.len() && j == b.len() {
        return true;
    }
    if dead.contains(&(i, j)) {
        return false;
    }
    let (x, y) = (a.get(i).copied(), b.get(j).copied());
    // Each way on: the next position and the character it emits, if any.
    let mut moves: Vec<(usize, usize, Option<char>)> = Vec::new();
    match (x, y) {
        (Some('*'), _) | (_, Some('*')) => {
            if x == Some('*') {
                moves.push((i + 1, j, None));
            }
            if y == Some('*') {
                moves.push((i, j + 1, None));
            }
            // A star takes one character of the other side (a star there takes none).
            if x == Some('*') && y.is_some_and(|c| c != '*') {
                moves.push((i, j + 1, y.map(concrete)));
            }
            if y == Some('*') && x.is_some_and(|c| c != '*') {
                moves.push((i + 1, j, x.map(concrete)));
            }
        }
        (Some(c), Some(d)) if c == d || c == '?' || d == '?' => {
            let emitted = if c == '?' { d } else { c };
            moves.push((i + 1, j + 1, Some(concrete(emitted))));
        }
        _ => {}
    }
    for (ni, nj, emitted) in moves {
        if walk(a, b, ni, nj, dead, out) {
            out.extend(emitted);
            return true;
        }
    }
    dead.insert((i, j));
    false
}

/// The character a witness shows for `c`: itself, or `x` for a wildcard.
fn concrete(c: char) -> char {
    if c == '?' {
        'x'
    } else {
        c
    }
}

/// The six segments of an ARN (the resource keeps its own colons), or `None` for a string that
/// is not one (`*`).
fn segments(arn: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn").then_some(parts)
}

/// An ARN that both a policy's resource pattern and an owned ARN pattern match, if any. ARNs are
/// compared segment by segment, so a wildcard never spans a `:` between segments; a pattern that
/// is not an ARN (`*`) is matched whole.
pub fn arn_overlap(pattern: &str, arn: &str) -> Option<String> {
    // A pair that cannot match whole cannot match segment by segment either.
    if !ends_agree(pattern, arn) {
        return None;
    }
    match (segments(pattern), segments(arn)) {
        (Some(p), Some(a)) => p
            .iter()
            .zip(&a)
            .map(|(p, a)| overlap(p, a))
            .collect::<Option<Vec<String>>>()
            .map(|parts| parts.join(":")),
        _ => overlap(pattern, arn),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_matches_a_pattern_like_iam() {
        assert!(glob_match("ec2:describeinstances", "ec2:describe*"));
        assert!(glob_match("iam:passrole", "*"));
        assert!(glob_match("abc", "a?c"));
        assert!(!glob_match("iam:passrole", "iam:pass?"));
        assert!(!glob_match("ABC", "abc"), "case-sensitive");
        assert!(glob_match("", "*"));
        assert!(!glob_match("", "?"));
    }

    #[test]
    fn two_patterns_overlap_with_a_witness_both_match() {
        let cases = [
            ("*staging*", "mht-api-production-data/*", true),
            ("mht-api-staging-*", "mht-api-production-data/*", false),
            ("a?c", "abc", true),
            ("a?c", "abd", false),
            ("*", "anything", true),
            ("a*", "*b", true),
            ("x*y", "xy", true),
            ("x*y", "x", false),
            ("?", "", false),
        ];
        for (a, b, expected) in cases {
            let w = overlap(a, b);
            assert_eq!(w.is_some(), expected, "{a} vs {b}: {w:?}");
            assert_eq!(overlap(b, a).is_some(), expected, "{b} vs {a}");
            if let Some(w) = w {
                assert!(glob_match(&w, a) && glob_match(&w, b), "{w} for {a} / {b}");
            }
        }
    }

    #[test]
    fn arns_overlap_segment_by_segment() {
        let seed = "arn:aws:*:*:*:*staging*";
        let reached = arn_overlap(seed, "arn:aws:s3:::mht-api-production-data/*").unwrap();
        assert!(reached.starts_with("arn:aws:s3:::mht-api-production-data/"));
        assert!(reached.contains("staging"), "{reached}");
        assert!(arn_overlap(seed, "arn:aws:sqs:us-west-2:1:mht-api-production-jobs").is_none());
        // A wildcard does not span segments: the service `*` cannot eat the region.
        assert!(arn_overlap("arn:aws:*:::b", "arn:aws:s3:x:::b").is_none());
        assert!(overlap("arn:aws:*:::b", "arn:aws:s3:x:::b").is_some());
        assert!(arn_overlap("arn:aws:s3:::b*", "arn:aws:s3:::b/k").is_some());
        // Case matters in ARNs.
        assert!(arn_overlap("arn:aws:s3:::B", "arn:aws:s3:::b").is_none());
        // Not an ARN: matched whole.
        assert_eq!(
            arn_overlap("*", "arn:aws:s3:::b").as_deref(),
            Some("arn:aws:s3:::b")
        );
    }
}
