################################################################################
# VPC
################################################################################

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = var.vpc_name }
}

################################################################################
# Public subnets, one per availability zone
################################################################################

resource "aws_subnet" "this" {
  count = length(var.subnet_cidrs)

  vpc_id                  = aws_vpc.this.id
  cidr_block              = var.subnet_cidrs[count.index]
  availability_zone       = var.availability_zones[count.index]
  map_public_ip_on_launch = true

  tags = { Name = var.subnet_names[count.index] }
}

################################################################################
# Internet gateway and routing
################################################################################

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-igw" }
}

resource "aws_route_table" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-public-rt" }
}

resource "aws_route" "this" {
  route_table_id         = aws_route_table.this.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "this" {
  count = length(var.subnet_cidrs)

  subnet_id      = aws_subnet.this[count.index].id
  route_table_id = aws_route_table.this.id
}

################################################################################
# Security groups
################################################################################

resource "aws_security_group" "alb" {
  name        = var.alb_security_group_name
  description = "Load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = aws_vpc.this.id

  tags = { Name = var.alb_security_group_name }
}

resource "aws_security_group" "instance" {
  name        = var.instance_security_group_name
  description = "Instances: app port from the load balancer only"
  vpc_id      = aws_vpc.this.id

  tags = { Name = var.instance_security_group_name }
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each = { http = 80, https = 443 }

  security_group_id = aws_security_group.alb.id
  description       = "${upper(each.key)} from anywhere"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = "0.0.0.0/0"

  tags = { Name = "${var.alb_security_group_name}-${each.key}" }
}

resource "aws_vpc_security_group_ingress_rule" "instance" {
  security_group_id            = aws_security_group.instance.id
  description                  = "App port from the load balancer"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.alb.id

  tags = { Name = "${var.instance_security_group_name}-app" }
}

resource "aws_vpc_security_group_egress_rule" "alb" {
  security_group_id            = aws_security_group.alb.id
  description                  = "To the instances on the app port"
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.instance.id

  tags = { Name = "${var.alb_security_group_name}-app" }
}

resource "aws_vpc_security_group_egress_rule" "instance" {
  security_group_id = aws_security_group.instance.id
  description       = "All outbound (image pulls, AWS APIs)"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"

  tags = { Name = "${var.instance_security_group_name}-egress" }
}
