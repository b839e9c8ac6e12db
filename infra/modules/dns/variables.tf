variable "zone_id" {
  description = "The shared Route 53 hosted zone"
  type        = string
}

variable "api_names" {
  description = "Names aliased to the load balancer"
  type        = list(string)
}

variable "certificate_name" {
  description = "Name tag of the ACM certificate"
  type        = string
}

variable "certificate_domain" {
  description = "Domain name of the certificate"
  type        = string
}

variable "certificate_alternative_names" {
  description = "Subject alternative names of the certificate"
  type        = list(string)
}

variable "alb_dns_name" {
  description = "DNS name of the load balancer"
  type        = string
}

variable "alb_zone_id" {
  description = "Hosted zone of the load balancer"
  type        = string
}
