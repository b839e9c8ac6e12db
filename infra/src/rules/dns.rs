//! The hosted zone, the API's DNS names and its certificate.

use super::{all_chars, Sink, CERT_COVERS, CERT_NAMES, DNS_IN_ZONE, DNS_NAME, ZONE_ID};
use crate::model::{Dns, Draft};

pub(super) fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && all_chars(label, |c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
        })
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Why `name` is not a valid DNS name (a leading `*.` is allowed when `wildcard`), if not.
pub fn dns_name_problem(name: &str, wildcard: bool) -> Option<String> {
    let body = match name.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        _ => name,
    };
    if name.len() > 253 {
        return Some(format!("is {} characters; the limit is 253", name.len()));
    }
    match body.split('.').find(|l| !is_dns_label(l)) {
        Some(l) => Some(format!(
            "label `{l}` is not 1-63 lowercase letters, digits or inner `-`"
        )),
        None if !body.contains('.') => Some("is not a fully qualified domain name".into()),
        None => None,
    }
}

/// Whether a certificate name (possibly `*.domain`) covers `name`.
pub fn certificate_covers(cert: &str, name: &str) -> bool {
    match cert.strip_prefix("*.") {
        Some(domain) => name
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == domain),
        None => cert == name,
    }
}

pub(super) fn check_dns(s: &mut Sink, env: &Draft) {
    let d = &env.dns;
    if let Some(p) = dns_name_problem(&d.zone.name, false) {
        s.add(
            DNS_NAME,
            "dns.zone.name",
            &d.zone.name,
            format!("zone name {p}"),
            "use the zone's domain, e.g. `example.com`",
        );
    }
    let id = &d.zone.zone_id;
    let id_ok = id.len() >= 2
        && id.len() <= 33
        && id.starts_with('Z')
        && all_chars(id, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !id_ok {
        s.add(
            ZONE_ID,
            "dns.zone.zone_id",
            id,
            "is not a Route 53 hosted zone ID",
            "copy the ID from `aws route53 list-hosted-zones`",
        );
    }
    check_api_names(s, d);
    check_certificate_names(s, d);
}

fn check_api_names(s: &mut Sink, d: &Dns) {
    if d.api_names.is_empty() {
        s.add(
            DNS_NAME,
            "dns.api_names",
            "[]",
            "the API has no DNS name",
            "add at least one name in the zone",
        );
    }
    for (i, name) in d.api_names.iter().enumerate() {
        let path = format!("dns.api_names[{i}]");
        if let Some(p) = dns_name_problem(name, false) {
            s.add(
                DNS_NAME,
                &path,
                name,
                format!("DNS name {p}"),
                "use a lowercase fully qualified name",
            );
            continue;
        }
        let in_zone = name == &d.zone.name || name.ends_with(&format!(".{}", d.zone.name));
        if !in_zone {
            s.add(
                DNS_IN_ZONE,
                &path,
                name,
                format!("is not inside the hosted zone `{}`", d.zone.name),
                format!("use a name ending in `.{}`", d.zone.name),
            );
        }
        if !d
            .certificate_names
            .iter()
            .any(|c| certificate_covers(c, name))
        {
            s.add(
                CERT_COVERS,
                &path,
                name,
                format!(
                    "is not covered by the certificate names [{}]",
                    d.certificate_names.join(", ")
                ),
                format!("add `{name}` to certificate_names"),
            );
        }
    }
}

fn check_certificate_names(s: &mut Sink, d: &Dns) {
    if d.certificate_names.is_empty() || d.certificate_names.len() > 10 {
        s.add(
            CERT_NAMES,
            "dns.certificate_names",
            d.certificate_names.len(),
            "a certificate needs 1-10 names",
            "list the API names the certificate must cover",
        );
    }
    for (i, c) in d.certificate_names.iter().enumerate() {
        if let Some(p) = dns_name_problem(c, true) {
            s.add(
                DNS_NAME,
                format!("dns.certificate_names[{i}]"),
                c,
                format!("certificate name {p}"),
                "use a fully qualified name or `*.domain`",
            );
        }
    }
}
