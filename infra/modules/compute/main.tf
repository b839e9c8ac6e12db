locals {
  # Amazon Linux 2023 ships Docker in its repositories. The container gets the host network
  # and PORT so the API image can listen on app_port; its output goes to the environment's
  # application log group (Docker's awslogs driver, one stream per colour and instance).
  user_data = { for colour, group in var.groups : colour => <<-EOT
    #!/bin/bash
    set -euo pipefail
    dnf install -y docker
    systemctl enable --now docker
    token=$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H "X-aws-ec2-metadata-token-ttl-seconds: 300")
    instance=$(curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id)
    docker run -d --name api --restart always --network host \
      --log-driver awslogs \
      --log-opt awslogs-region=${var.region} \
      --log-opt awslogs-group=${var.log_group_name} \
      --log-opt awslogs-stream=${colour}/$instance \
      -e PORT=${var.app_port} -e VERSION=${group.version} \
      ${var.image}:${group.version} ${join(" ", coalesce(var.container_args, ["-listen=:${var.app_port}", "-text=${group.version}"]))}
  EOT
  }
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
  for_each = var.groups

  #checkov:skip=CKV_AWS_88:public IPs instead of a NAT gateway (about $33 a month per environment, not in the plan); inbound is only the app port from the load balancer
  name                   = each.value.launch_template_name
  image_id               = data.aws_ssm_parameter.ami.insecure_value
  instance_type          = var.instance_type
  update_default_version = true
  user_data              = var.user_data_enabled ? base64encode(local.user_data[each.key]) : null

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
    tags          = merge(data.aws_default_tags.current.tags, { Name = var.name, Colour = each.key })
  }

  tags = { Name = each.value.launch_template_name }

  lifecycle {
    # A renamed template (a new colour) exists before the group that uses it moves over.
    create_before_destroy = true
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
  for_each = var.groups

  name = each.value.autoscaling_group_name
  # A colour's capacity comes from the release state: the instance count while it is up, 0
  # after its rollback window. A rolling group may surge above it while it is replaced.
  min_size                  = each.value.capacity
  max_size                  = each.value.capacity + var.surge
  desired_capacity          = each.value.capacity
  vpc_zone_identifier       = var.subnet_ids
  target_group_arns         = compact([lookup(var.target_group_arns, each.key, "")])
  health_check_type         = length(var.target_group_arns) > 0 ? "ELB" : "EC2"
  health_check_grace_period = 300
  # The in-service-below-desired alarm compares these two.
  enabled_metrics = ["GroupDesiredCapacity", "GroupInServiceInstances"]

  # New instances take the template's latest version; the release replaces the running ones
  # (rolling: a batch at a time; blue-green: the idle colour's).
  launch_template {
    id      = aws_launch_template.this[each.key].id
    version = "$Latest"
  }

  # A renamed group (a new colour) is up before the old one goes.
  lifecycle {
    create_before_destroy = true
  }

  dynamic "tag" {
    # Instances carry their colour and version (the image tag) from launch.
    for_each = merge(data.aws_default_tags.current.tags, { Name = var.name, Colour = each.key, Version = each.value.version })

    content {
      key                 = tag.key
      value               = tag.value
      propagate_at_launch = true
    }
  }
}
