output "autoscaling_group_names" {
  description = "Names of the auto scaling groups by colour"
  value       = { for colour, group in aws_autoscaling_group.this : colour => group.name }
}
