locals {
  # Service role key => role name; a null name skips the role.
  role_names = {
    for key, name in {
      "api-service"    = var.api_service_role_name
      "worker-service" = var.worker_service_role_name
      "s3-access"      = var.s3_access_role_name
    } : key => name if name != null
  }
}

################################################################################
# Service roles, assumed by EC2
################################################################################

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "EC2AssumeRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each = local.role_names

  name               = each.value
  description        = "${each.key} service role"
  assume_role_policy = data.aws_iam_policy_document.assume.json

  tags = { Name = each.value }
}

resource "aws_iam_role_policy" "this" {
  for_each = local.role_names

  name   = "${each.value}-policy"
  role   = aws_iam_role.this[each.key].id
  policy = var.role_policies[each.key]
}

################################################################################
# Instance profile of the api-service role
################################################################################

resource "aws_iam_instance_profile" "this" {
  count = contains(keys(local.role_names), "api-service") ? 1 : 0

  name = var.instance_profile_name
  role = aws_iam_role.this["api-service"].name

  tags = { Name = var.instance_profile_name }
}

################################################################################
# Team access policies, each attached to its team's group
################################################################################

resource "aws_iam_policy" "team" {
  for_each = var.teams

  name        = each.value.policy_name
  description = "Access of team ${each.key}"
  policy      = each.value.policy

  tags = { Name = each.value.policy_name }
}

resource "aws_iam_group" "team" {
  for_each = var.teams

  name = each.value.group_name
}

resource "aws_iam_group_policy_attachment" "team" {
  for_each = var.teams

  group      = aws_iam_group.team[each.key].name
  policy_arn = aws_iam_policy.team[each.key].arn
}
