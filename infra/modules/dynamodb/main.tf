resource "aws_dynamodb_table" "this" {
  #checkov:skip=CKV_AWS_119:encrypted with the AWS managed key (aws/dynamodb); a customer managed key costs $1 a month plus requests per environment and the plan asks for none
  name         = var.table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = var.hash_key

  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = var.hash_key
    type = "S"
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  # enabled = true: the AWS managed KMS key (aws/dynamodb); false: an AWS owned key.
  server_side_encryption {
    enabled = var.sse_enabled
  }

  tags = { Name = var.table_name }
}
