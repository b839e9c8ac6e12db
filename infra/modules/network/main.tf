################################################################################
# VPC
################################################################################

# DNS resolution is on (the default). DNS hostnames stay off: nothing here uses public DNS
# names of instances, and turning them on costs a ModifyVpcAttribute round and its wait.
resource "aws_vpc" "this" {
  cidr_block         = var.vpc_cidr
  enable_dns_support = true

  tags = { Name = var.vpc_name }
}

# The VPC's default security group, taken over with no rules: nothing may use it by accident.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = { Name = "${var.name_prefix}-default-sg" }
}

# Flow logs of all traffic into the log bucket (under AWSLogs/<account>/vpcflowlogs/), whose
# policy grants the log delivery service and whose expiry is the model's log retention.
resource "aws_flow_log" "this" {
  count = var.flow_logs_enabled ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = "ALL"
  log_destination_type     = "s3"
  log_destination          = var.flow_log_bucket_arn
  max_aggregation_interval = 600

  tags = { Name = "${var.name_prefix}-flow-logs" }
}

################################################################################
# Public subnets, one per availability zone
#
# Public through the route to the internet gateway; the launch template asks for a public
# IP per instance instead of map_public_ip_on_launch, so nothing else launched here gets one.
################################################################################

resource "aws_subnet" "this" {
  count = length(var.subnet_cidrs)

  vpc_id            = aws_vpc.this.id
  cidr_block        = var.subnet_cidrs[count.index]
  availability_zone = var.availability_zones[count.index]

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
  #checkov:skip=CKV2_AWS_5:attached to the load balancer in the alb module (through this module's output), which checkov does not follow
  name        = var.alb_security_group_name
  description = "Load balancer: HTTP and HTTPS from anywhere"
  vpc_id      = aws_vpc.this.id

  tags = { Name = var.alb_security_group_name }
}

resource "aws_security_group" "instance" {
  #checkov:skip=CKV2_AWS_5:attached to the instances by the compute module's launch template (through this module's output), which checkov does not follow
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

# The rules that reference a security group carry no description: the emulator drops it
# (it only keeps descriptions of CIDR rules) and the plan would never settle. The Name tag
# says what they are.
resource "aws_vpc_security_group_ingress_rule" "instance" {
  #checkov:skip=CKV_AWS_23:the emulator drops descriptions of rules that reference a security group, so the plan would never settle; the Name tag says what the rule is
  security_group_id            = aws_security_group.instance.id
  ip_protocol                  = "tcp"
  from_port                    = var.app_port
  to_port                      = var.app_port
  referenced_security_group_id = aws_security_group.alb.id

  tags = { Name = "${var.instance_security_group_name}-app" }
}

resource "aws_vpc_security_group_egress_rule" "alb" {
  #checkov:skip=CKV_AWS_23:the emulator drops descriptions of rules that reference a security group, so the plan would never settle; the Name tag says what the rule is
  security_group_id            = aws_security_group.alb.id
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
