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

resource "aws_launch_template" "this" {
  name                   = var.launch_template_name
  image_id               = data.aws_ssm_parameter.ami.insecure_value
  instance_type          = var.instance_type
  vpc_security_group_ids = [var.security_group_id]
  update_default_version = true
  user_data              = base64encode(local.user_data)

  iam_instance_profile {
    name = var.instance_profile_name
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  tag_specifications {
    resource_type = "instance"
    tags          = { Name = var.name }
  }

  tag_specifications {
    resource_type = "volume"
    tags          = { Name = var.name }
  }

  tags = { Name = var.launch_template_name }
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

  launch_template {
    id      = aws_launch_template.this.id
    version = aws_launch_template.this.latest_version
  }

  tag {
    key                 = "Name"
    value               = var.name
    propagate_at_launch = true
  }
}
