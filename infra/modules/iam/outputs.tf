output "instance_profile_name" {
  description = "Instance profile of the api-service role"
  value       = try(aws_iam_instance_profile.this[0].name, null)
}

output "role_arns" {
  description = "ARN of each service role by name"
  value       = { for role in aws_iam_role.this : role.name => role.arn }
}

output "team_group_names" {
  description = "IAM group of each team by team name; add a person with aws_iam_user_group_membership or `aws iam add-user-to-group`"
  value       = { for team, group in aws_iam_group.team : team => group.name }
}
