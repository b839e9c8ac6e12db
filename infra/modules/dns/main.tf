################################################################################
# Certificate, validated through DNS in the shared zone
################################################################################

resource "aws_acm_certificate" "this" {
  domain_name               = var.certificate_domain
  subject_alternative_names = var.certificate_alternative_names
  validation_method         = "DNS"

  tags = { Name = var.certificate_name }

  lifecycle {
    create_before_destroy = true
  }
}

# One CNAME per distinct validation record. ACM derives the record name from the domain
# (a wildcard validates through its base domain), so two environments share a record only
# if they certify the same domain; allow_overwrite adopts such a record instead of failing.
resource "aws_route53_record" "validation" {
  for_each = {
    for option in aws_acm_certificate.this.domain_validation_options : option.domain_name => {
      name   = option.resource_record_name
      type   = option.resource_record_type
      record = option.resource_record_value
    }
  }

  allow_overwrite = true
  zone_id         = var.zone_id
  name            = each.value.name
  type            = each.value.type
  ttl             = 60
  records         = [each.value.record]
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}

################################################################################
# API names aliased to the load balancer
################################################################################

resource "aws_route53_record" "this" {
  for_each = toset(var.api_names)

  zone_id = var.zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}
