locals {
  container_args = coalesce(var.container_args, ["-listen=:${var.app_port}", "-text=ok"])

  # Amazon Linux 2023 ships Docker in its repositories; the container gets the host network
  # and PORT so the API image can listen on app_port.
  user_data = <<-EOT
    #!/bin/bash
    set -euo pipefail
    dnf install -y docker
    systemctl enable --now docker
    docker run -d --name api --restart always --network host \
      -e PORT=${var.app_port} \
      ${var.container_image} ${join(" ", local.container_args)}
  EOT
}

################################################################################
# Latest Amazon Linux 2023 AMI (public SSM parameter, x86_64)
################################################################################

data "aws_ssm_parameter" "ami" {
  name = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
}

################################################################################
# Launch template
################################################################################

data "aws_default_tags" "current" {}

resource "aws_launch_template" "this" {
  #checkov:skip=CKV_AWS_88:public IPs instead of a NAT gateway (about $33 a month per environment, not in the plan); inbound is only the app port from the load balancer
  name                   = var.launch_template_name
  image_id               = data.aws_ssm_parameter.ami.insecure_value
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    name = var.instance_profile_name
  }

  # A public IP for the instances (the subnets do not hand them out), for image pulls and
  # AWS APIs without a NAT gateway; inbound is still only the app port from the ALB.
  network_interfaces {
    device_index                = 0
    associate_public_ip_address = true
    delete_on_termination       = true
    security_groups             = [var.security_group_id]
  }

  # The root volume is encrypted explicitly (the account's EBS default key), whatever the
  # account's encryption-by-default setting says. /dev/xvda is Amazon Linux 2023's root device
  # and 8 GiB its image's size.
  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = 8
      encrypted             = true
      volume_type           = "gp3"
      delete_on_termination = true
    }
  }

  # IMDSv2 only; a hop limit of 1 keeps the tokens on the instance (containers use the host
  # network, so they still reach it).
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.imds_hop_limit
  }

  # Instances get their tags from the auto scaling group (propagated at launch); volumes
  # from here. Provider default_tags do not reach either, hence aws_default_tags.
  tag_specifications {
    resource_type = "volume"
    tags          = merge(data.aws_default_tags.current.tags, { Name = var.name })
  }

  tags = { Name = var.launch_template_name }

  lifecycle {
    # The emulator (moto) echoes the launch template's own tags back as an extra
    # tag_specifications entry, which no configuration can match; the volume tags are fixed
    # per environment, so ignoring later changes to them costs nothing.
    ignore_changes = [tag_specifications]
  }
}

################################################################################
# Auto scaling group
################################################################################

resource "aws_autoscaling_group" "this" {
  name                      = var.autoscaling_group_name
  min_size                  = var.instance_count
  max_size                  = var.instance_count
  desired_capacity          = var.instance_count
  vpc_zone_identifier       = var.subnet_ids
  target_group_arns         = var.target_group_arns
  health_check_type         = length(var.target_group_arns) > 0 ? "ELB" : "EC2"
  health_check_grace_period = 300
  # The in-service-below-desired alarm compares these two.
  enabled_metrics = ["GroupDesiredCapacity", "GroupInServiceInstances"]

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  dynamic "tag" {
    for_each = merge(data.aws_default_tags.current.tags, { Name = var.name })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}
