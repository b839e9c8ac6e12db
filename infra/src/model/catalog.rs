//! The closed sets an environment chooses from: the storage classes lifecycle rules move objects
//! to, and the catalog of instance types. The DSL names them by their AWS spelling; the builder
//! looks the names up here, so a built environment holds these types, never the strings.

use std::fmt;

/// A storage class a lifecycle rule can transition objects to. Declared in the order S3 lets
/// objects move down ("the waterfall"): a later transition must go to a greater class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum StorageClass {
    StandardIa,
    IntelligentTiering,
    OnezoneIa,
    GlacierIr,
    Glacier,
    DeepArchive,
}

impl StorageClass {
    /// Every class, in waterfall order.
    pub const ALL: [StorageClass; 6] = [
        StorageClass::StandardIa,
        StorageClass::IntelligentTiering,
        StorageClass::OnezoneIa,
        StorageClass::GlacierIr,
        StorageClass::Glacier,
        StorageClass::DeepArchive,
    ];

    /// The name S3 and Terraform use.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageClass::StandardIa => "STANDARD_IA",
            StorageClass::IntelligentTiering => "INTELLIGENT_TIERING",
            StorageClass::OnezoneIa => "ONEZONE_IA",
            StorageClass::GlacierIr => "GLACIER_IR",
            StorageClass::Glacier => "GLACIER",
            StorageClass::DeepArchive => "DEEP_ARCHIVE",
        }
    }

    /// The class S3 calls `name` (exact spelling), if any.
    pub fn parse(name: &str) -> Option<StorageClass> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// An infrequent-access class: objects enter it at day 30 at the earliest and stay 30 days.
    pub fn is_infrequent_access(self) -> bool {
        matches!(self, StorageClass::StandardIa | StorageClass::OnezoneIa)
    }
}

impl fmt::Display for StorageClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the instance type catalog. A row is identified by its name.
#[derive(Debug)]
pub struct InstanceSpec {
    /// The EC2 name, e.g. `t3.medium`.
    pub name: &'static str,
    /// The part before the dot, e.g. `t3`.
    pub family: &'static str,
    pub vcpus: u32,
    pub memory_gib: f64,
}

impl InstanceSpec {
    /// The catalog row named `name` (exact spelling), if any.
    pub fn find(name: &str) -> Option<&'static InstanceSpec> {
        INSTANCE_TYPES.iter().find(|t| t.name == name)
    }
}

impl PartialEq for InstanceSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for InstanceSpec {}

impl fmt::Display for InstanceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// The instance types environments may use (EC2 User Guide, instance type specifications).
/// One row per type; a new column (e.g. the hourly price) is one more field on every row.
#[rustfmt::skip]
pub static INSTANCE_TYPES: &[InstanceSpec] = &[
    InstanceSpec { name: "t2.nano",    family: "t2",  vcpus: 1, memory_gib: 0.5 },
    InstanceSpec { name: "t2.micro",   family: "t2",  vcpus: 1, memory_gib: 1.0 },
    InstanceSpec { name: "t2.small",   family: "t2",  vcpus: 1, memory_gib: 2.0 },
    InstanceSpec { name: "t2.medium",  family: "t2",  vcpus: 2, memory_gib: 4.0 },
    InstanceSpec { name: "t2.large",   family: "t2",  vcpus: 2, memory_gib: 8.0 },
    InstanceSpec { name: "t3.nano",    family: "t3",  vcpus: 2, memory_gib: 0.5 },
    InstanceSpec { name: "t3.micro",   family: "t3",  vcpus: 2, memory_gib: 1.0 },
    InstanceSpec { name: "t3.small",   family: "t3",  vcpus: 2, memory_gib: 2.0 },
    InstanceSpec { name: "t3.medium",  family: "t3",  vcpus: 2, memory_gib: 4.0 },
    InstanceSpec { name: "t3.large",   family: "t3",  vcpus: 2, memory_gib: 8.0 },
    InstanceSpec { name: "t3.xlarge",  family: "t3",  vcpus: 4, memory_gib: 16.0 },
    InstanceSpec { name: "t3a.micro",  family: "t3a", vcpus: 2, memory_gib: 1.0 },
    InstanceSpec { name: "t3a.small",  family: "t3a", vcpus: 2, memory_gib: 2.0 },
    InstanceSpec { name: "t3a.medium", family: "t3a", vcpus: 2, memory_gib: 4.0 },
    InstanceSpec { name: "t3a.large",  family: "t3a", vcpus: 2, memory_gib: 8.0 },
    InstanceSpec { name: "m5.large",   family: "m5",  vcpus: 2, memory_gib: 8.0 },
    InstanceSpec { name: "m5.xlarge",  family: "m5",  vcpus: 4, memory_gib: 16.0 },
    InstanceSpec { name: "c5.large",   family: "c5",  vcpus: 2, memory_gib: 4.0 },
    InstanceSpec { name: "r5.large",   family: "r5",  vcpus: 2, memory_gib: 16.0 },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_rows_are_consistent() {
        for c in StorageClass::ALL {
            assert_eq!(StorageClass::parse(c.as_str()), Some(c));
            assert_eq!(c.to_string(), c.as_str());
        }
        assert_eq!(StorageClass::parse("glacier"), None);
        for (i, t) in INSTANCE_TYPES.iter().enumerate() {
            assert_eq!(t.name.split_once('.').map(|(f, _)| f), Some(t.family));
            assert!(t.vcpus > 0 && t.memory_gib > 0.0, "{}", t.name);
            assert!(
                INSTANCE_TYPES[..i].iter().all(|o| o.name != t.name),
                "{} listed twice",
                t.name
            );
        }
        assert_eq!(InstanceSpec::find("t3.medium").map(|t| t.vcpus), Some(2));
        assert_eq!(InstanceSpec::find("t3.mediun"), None);
    }
}
