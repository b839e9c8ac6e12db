//! The VPC, its subnets and availability zones.

use super::{Sink, ALB_TWO_AZS, AZ_IN_REGION, CIDR, SUBNET_IN_VPC, SUBNET_OVERLAP, SUBNET_PER_AZ};
use crate::model::Draft;
use std::fmt;

/// An IPv4 CIDR block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cidr {
    pub addr: u32,
    pub len: u8,
}

impl Cidr {
    /// Parse `a.b.c.d/n`, requiring the network address (no host bits set).
    pub fn parse(s: &str) -> Result<Cidr, String> {
        let (ip, len) = s
            .split_once('/')
            .ok_or_else(|| "is not in `a.b.c.d/n` form".to_string())?;
        let octets: Vec<_> = ip.split('.').map(str::parse::<u8>).collect();
        if octets.len() != 4 || octets.iter().any(Result::is_err) {
            return Err(format!("`{ip}` is not an IPv4 address"));
        }
        let addr = octets
            .into_iter()
            .fold(0u32, |acc, o| (acc << 8) | u32::from(o.unwrap_or(0)));
        let len: u8 = len
            .parse()
            .ok()
            .filter(|l| *l <= 32)
            .ok_or_else(|| format!("`/{len}` is not a netmask length 0-32"))?;
        let cidr = Cidr { addr, len };
        if cidr.addr & !cidr.mask() != 0 {
            return Err(format!(
                "has host bits set; the network address is `{}`",
                Cidr {
                    addr: cidr.addr & cidr.mask(),
                    len
                }
            ));
        }
        Ok(cidr)
    }

    fn mask(self) -> u32 {
        if self.len == 0 {
            0
        } else {
            u32::MAX << (32 - self.len)
        }
    }

    fn last(self) -> u32 {
        self.addr | !self.mask()
    }

    pub fn contains(self, other: Cidr) -> bool {
        other.len >= self.len && other.addr & self.mask() == self.addr
    }

    pub fn overlaps(self, other: Cidr) -> bool {
        self.addr <= other.last() && other.addr <= self.last()
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.addr.to_be_bytes();
        write!(f, "{}.{}.{}.{}/{}", a[0], a[1], a[2], a[3], self.len)
    }
}

pub(super) fn check_network(s: &mut Sink, env: &Draft) {
    let vpc = vpc_cidr(s, "network.vpc_cidr", &env.network.vpc_cidr);
    check_subnets(s, env, vpc);
    check_zones(s, env);
}

/// A VPC or subnet CIDR with a netmask AWS accepts, or a violation.
fn vpc_cidr(s: &mut Sink, path: &str, v: &str) -> Option<Cidr> {
    match Cidr::parse(v) {
        Ok(c) if (16..=28).contains(&c.len) => Some(c),
        Ok(c) => {
            s.add(
                CIDR,
                path,
                v,
                format!("netmask /{} is outside /16-/28", c.len),
                "use a netmask from /16 to /28",
            );
            None
        }
        Err(e) => {
            s.add(
                CIDR,
                path,
                v,
                format!("CIDR {e}"),
                "write an IPv4 network address such as `10.1.0.0/16`",
            );
            None
        }
    }
}

fn check_subnets(s: &mut Sink, env: &Draft, vpc: Option<Cidr>) {
    let n = &env.network;
    let mut subnets: Vec<(usize, Cidr)> = Vec::new();
    for (i, v) in n.subnet_cidrs.iter().enumerate() {
        let path = format!("network.subnet_cidrs[{i}]");
        let Some(c) = vpc_cidr(s, &path, v) else {
            continue;
        };
        if let Some(vpc) = vpc.filter(|vpc| !vpc.contains(c)) {
            s.add(
                SUBNET_IN_VPC,
                &path,
                v,
                format!("is not inside the VPC `{vpc}`"),
                format!("choose a subnet within `{vpc}`"),
            );
        }
        if let Some((j, _)) = subnets.iter().find(|(_, o)| o.overlaps(c)) {
            s.add(
                SUBNET_OVERLAP,
                &path,
                v,
                format!("overlaps subnet_cidrs[{j}] `{}`", n.subnet_cidrs[*j]),
                "give each subnet its own range",
            );
        }
        subnets.push((i, c));
    }
}

fn check_zones(s: &mut Sink, env: &Draft) {
    let n = &env.network;
    for (i, az) in n.availability_zones.iter().enumerate() {
        let ok = az
            .strip_prefix(env.region.as_str())
            .is_some_and(|rest| rest.len() == 1 && rest.chars().all(|c| c.is_ascii_lowercase()));
        if !ok {
            s.add(
                AZ_IN_REGION,
                format!("network.availability_zones[{i}]"),
                az,
                format!("is not an availability zone of `{}`", env.region),
                format!("use `{}a`, `{}b`, …", env.region, env.region),
            );
        }
        if n.availability_zones[..i].contains(az) {
            s.add(
                SUBNET_PER_AZ,
                format!("network.availability_zones[{i}]"),
                az,
                "is listed twice",
                "list each availability zone once",
            );
        }
    }
    if n.subnet_cidrs.len() != n.availability_zones.len() {
        s.add(
            SUBNET_PER_AZ,
            "network.subnet_cidrs",
            format!(
                "{} subnets, {} zones",
                n.subnet_cidrs.len(),
                n.availability_zones.len()
            ),
            "needs exactly one subnet per availability zone",
            "list as many subnet CIDRs as availability zones",
        );
    }
    let mut zones = n.availability_zones.clone();
    zones.sort();
    zones.dedup();
    if env.compute.load_balancer && zones.len() < 2 {
        s.add(
            ALB_TWO_AZS,
            "network.availability_zones",
            zones.len(),
            "an Application Load Balancer needs subnets in at least two availability zones",
            "add a second availability zone and subnet",
        );
    }
}
