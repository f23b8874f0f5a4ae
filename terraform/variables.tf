variable "site" {
  description = "The environment, test or prod; every name derives from it (cluster <site>-floats, family <site>-floats-day-before-ach)."
  type        = string

  validation {
    condition     = contains(["test", "prod"], var.site)
    error_message = "The site must be test or prod."
  }
}

variable "region" {
  description = "The AWS region of every resource."
  type        = string
  default     = "us-east-1"
}

variable "service_version" {
  description = "The image tag the task runs, also DD_VERSION: the short commit SHA in test, the release tag (e.g. v1.42.0) in prod. Tags are immutable; roll back by applying an older one."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", var.service_version))
    error_message = "The service_version must be a valid image tag (letters, digits, '.', '_', '-')."
  }
}

variable "vpc_id" {
  description = "The FloatMe VPC that holds the private subnets and the PrivateSG security group."
  type        = string
}

variable "private_subnet_ids" {
  description = "The FloatMe private subnets the task runs in (no public IP)."
  type        = list(string)

  validation {
    condition     = length(var.private_subnet_ids) > 0
    error_message = "At least one private subnet is needed."
  }
}

variable "private_security_group_name" {
  description = "The name of the security group the task runs with."
  type        = string
  default     = "PrivateSG"
}

variable "locks_table_name" {
  description = "The DynamoDB locks table shared with the service's Lambda functions (default <site>-floats-locks)."
  type        = string
  default     = null
}

variable "collection_history_table_name" {
  description = "The DynamoDB collection-history table (default <site>-floats-collection-history)."
  type        = string
  default     = null
}

variable "rds_main_secret_name" {
  description = "The Secrets Manager secret of the RDS primary (default <site>/floats/rds/main)."
  type        = string
  default     = null
}

variable "rds_replica_secret_name" {
  description = "The Secrets Manager secret of the RDS read replica (default <site>/floats/rds/replica)."
  type        = string
  default     = null
}

variable "datadog_secret_name" {
  description = "The runtime Datadog secret with the api_key JSON field (default <site>/datadog); not the <site>/datadog/terraform secret."
  type        = string
  default     = null
}

variable "datadog_site" {
  description = "The Datadog site: logs go to http-intake.logs.<datadog_site>, the agent reports to it."
  type        = string
  default     = "datadoghq.com"
}

variable "payments_api" {
  description = "The Payments Service API Gateway (IAM auth): its REST API id, the stage the job calls, and the base URL given to the container as PAYMENTS_API_URL."
  type = object({
    id    = string
    stage = string
    url   = string
  })
}

variable "users_api" {
  description = "The User Service API Gateway (IAM auth): its REST API id, the stage the job calls, and the base URL given to the container as USERS_API_URL."
  type = object({
    id    = string
    stage = string
    url   = string
  })
}

variable "dlq_alarm_actions" {
  description = "Where the alarm on the schedule's dead-letter queue goes (SNS topic ARNs that page on-call): a fire that could not start must page someone before 20:00 ET."
  type        = list(string)

  validation {
    condition     = length(var.dlq_alarm_actions) > 0
    error_message = "The dead-letter alarm must page someone: give at least one action."
  }
}

variable "watch_alert_subscriptions" {
  description = "Who the deadline watch pages (the SNS topic <site>-floats-day-before-ach-alerts): protocol (https, email, sqs, lambda…) and endpoint, e.g. the on-call pager's HTTPS integration URL."
  type = list(object({
    protocol = string
    endpoint = string
  }))

  validation {
    condition     = length(var.watch_alert_subscriptions) > 0
    error_message = "The deadline watch must page someone: give at least one subscription."
  }
}

variable "finance_summary_subscriptions" {
  description = "Who hears the night's summary (the SNS topic <site>-floats-day-before-ach-finance): protocol (email, https, sqs…) and endpoint, e.g. the finance team's list."
  type = list(object({
    protocol = string
    endpoint = string
  }))
  default = []
}
