locals {
  # Service role key => role name; a null name skips the role.
  role_names = {
    for key, name in {
      "api-service"    = var.api_service_role_name
      "worker-service" = var.worker_service_role_name
      "s3-access"      = var.s3_access_role_name
    } : key => name if name != null
  }

  dynamodb_item_actions = [
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DeleteItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:Query",
    "dynamodb:UpdateItem",
  ]

  # Least-privilege inline policy of each service role, scoped to the given ARNs.
  role_policies = {
    "api-service" = {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "SendJobs"
          Effect   = "Allow"
          Action   = ["sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"]
          Resource = var.queue_arn
        },
        {
          Sid      = "DataObjects"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject"]
          Resource = "${var.data_bucket_arn}/*"
        },
        {
          Sid      = "TableItems"
          Effect   = "Allow"
          Action   = local.dynamodb_item_actions
          Resource = var.table_arn
        },
      ]
    }
    "worker-service" = {
      Version = "2012-10-17"
      Statement = [
        {
          Sid    = "ConsumeJobs"
          Effect = "Allow"
          Action = [
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ReceiveMessage",
          ]
          Resource = [var.queue_arn, var.dead_letter_queue_arn]
        },
        {
          Sid      = "TableItems"
          Effect   = "Allow"
          Action   = local.dynamodb_item_actions
          Resource = var.table_arn
        },
      ]
    }
    "s3-access" = {
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "ListData"
          Effect   = "Allow"
          Action   = ["s3:ListBucket"]
          Resource = var.data_bucket_arn
        },
        {
          Sid      = "DataObjects"
          Effect   = "Allow"
          Action   = ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"]
          Resource = "${var.data_bucket_arn}/*"
        },
      ]
    }
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
  policy = jsonencode(local.role_policies[each.key])
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
# Team access policies
################################################################################

resource "aws_iam_policy" "this" {
  for_each = var.team_policies

  name        = each.key
  description = "Team access policy ${each.key}"
  policy      = each.value

  tags = { Name = each.key }
}
