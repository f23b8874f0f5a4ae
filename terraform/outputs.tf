output "task_definition_family" {
  description = "The task definition family the schedule runs (any revision)."
  value       = aws_ecs_task_definition.day_before_ach.family
}

output "task_definition_arn" {
  description = "The revision this apply registered."
  value       = aws_ecs_task_definition.day_before_ach.arn
}

output "schedule_arn" {
  description = "The EventBridge Scheduler schedule of day-before-ach."
  value       = aws_scheduler_schedule.day_before_ach.arn
}

output "schedule_dlq_url" {
  description = "The schedule's dead-letter queue: one message per fire that could not start."
  value       = aws_sqs_queue.schedule_dlq.url
}

output "ecr_repository_url" {
  description = "Where CI pushes the collections-jobs image (tag = service_version)."
  value       = aws_ecr_repository.collections_jobs.repository_url
}

output "cluster_name" {
  description = "The ECS cluster every Float Service Fargate task runs on."
  value       = aws_ecs_cluster.floats.name
}

output "watch_topic_arn" {
  description = "The SNS topic the deadline watch publishes its one page per bad night to (FLOATCTL_ALERT_TOPIC_ARN in the container)."
  value       = aws_sns_topic.watch_alerts.arn
}

output "watch_schedule_arns" {
  description = "The 19:20 and 20:15 New York deadline-watch schedules, by time."
  value       = { for time, schedule in aws_scheduler_schedule.watch : time => schedule.arn }
}

output "watch_task_definition_family" {
  description = "The deadline watch's own task definition family (the batch's containers, command `watch day-before-ach`)."
  value       = aws_ecs_task_definition.day_before_ach_watch.family
}
