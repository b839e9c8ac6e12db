output "table_arn" {
  description = "ARN of the table"
  value       = null # the resources come with issue #3
}
