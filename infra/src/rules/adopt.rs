//! Existing resources an environment adopts: each one a resource the root manages, once.

use super::{Sink, ADOPT};
use crate::model::{Adoption, Draft};

pub(super) fn check_adopt(s: &mut Sink, env: &Draft) {
    let entries = &env.adopt.0;
    for (i, entry) in entries.iter().enumerate() {
        let path = format!("adopt[{i}]");
        if let Adoption::DnsRecord(name) = entry {
            if !env.dns.api_names.contains(name) {
                s.add(
                    ADOPT,
                    &path,
                    name,
                    "is not one of the environment's API names; only their records are managed, so there is nothing to import it into",
                    format!(
                        "adopt one of {} or add the name to `dns.api_names`",
                        env.dns.api_names.join(", ")
                    ),
                );
            }
        }
        if entries[..i].contains(entry) {
            s.add(
                ADOPT,
                path,
                format!("{entry:?}"),
                "is adopted twice; Terraform refuses two import blocks for one resource",
                "remove the second entry",
            );
        }
    }
}
