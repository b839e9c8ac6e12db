output "autoscaling_group_name" {
  description = "Name of the auto scaling group"
  value       = null # the resources come with issue #3
}
