locals {
  # One target group per colour (blue and green, or the one group of a rolling environment);
  # the HTTPS listener forwards by the release state's weights.
  target_groups = var.enabled ? var.target_group_names : {}
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  #checkov:skip=CKV2_AWS_28:a web application firewall costs $5 a month per environment plus rules and requests, which the plan does not budget
  count = var.enabled ? 1 : 0

  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [var.security_group_id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = var.deletion_protection

  # Access logs land under <prefix>/AWSLogs/<account>/ in the log bucket, whose policy grants
  # the region's Elastic Load Balancing delivery (infra/src/expect.rs).
  access_logs {
    enabled = var.access_logs_enabled
    bucket  = var.access_logs_bucket
    prefix  = var.access_logs_prefix
  }

  tags = { Name = var.name }
}

################################################################################
# Target groups
################################################################################

resource "aws_lb_target_group" "this" {
  #checkov:skip=CKV_AWS_378:the targets answer HTTP inside the VPC; clients reach them only through the HTTPS listener, which forwards to every colour's group (checkov's graph follows its dynamic forward block to one of them)
  for_each = local.target_groups

  name                 = each.value
  vpc_id               = var.vpc_id
  port                 = var.app_port
  protocol             = "HTTP"
  target_type          = "instance"
  deregistration_delay = 30

  health_check {
    enabled             = true
    path                = var.health_check_path
    port                = "traffic-port"
    protocol            = "HTTP"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = { Name = each.value }
}

################################################################################
# Listeners: HTTP redirects to HTTPS, HTTPS forwards to the target group(s)
################################################################################

resource "aws_lb_listener" "http" {
  count = var.enabled ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"

    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }

  tags = { Name = "${var.name}-http" }
}

resource "aws_lb_listener" "https" {
  count = var.enabled ? 1 : 0

  load_balancer_arn = aws_lb.this[0].arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn

  default_action {
    type             = "forward"
    target_group_arn = var.blue_green ? null : one(values(aws_lb_target_group.this)).arn

    dynamic "forward" {
      for_each = var.blue_green ? [true] : []

      content {
        dynamic "target_group" {
          for_each = local.target_groups

          content {
            arn    = aws_lb_target_group.this[target_group.key].arn
            weight = var.weights[target_group.key]
          }
        }
      }
    }
  }

  tags = { Name = "${var.name}-https" }
}
