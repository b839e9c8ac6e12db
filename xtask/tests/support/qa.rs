/// QA: staging's size in its own network; deployments reach it from staging and go on to
/// production.
pub fn qa() -> EnvironmentBuilder {
    baseline("qa")
        .promoted_from("staging")
        .network(|n| {
            n.vpc_cidr = "10.2.0.0/16".into();
            n.subnet_cidrs = strings(["10.2.1.0/24", "10.2.2.0/24", "10.2.3.0/24"]);
        })
        .compute(|c| {
            c.instance_type = "t2.micro".into();
            c.instance_count = 2;
        })
        .s3(|s| {
            s.data.lifecycle =
                transitions([(30, "STANDARD_IA"), (60, "GLACIER"), (90, "DEEP_ARCHIVE")]);
        })
        .dns(|d| {
            d.api_names = strings(["qa.api.amygdalas.com"]);
            d.certificate_names = strings(["qa.api.amygdalas.com"]);
        })
}

