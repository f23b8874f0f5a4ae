# The site-floats cluster every Fargate task of the Float Service runs on, and the task execution
# role ECS uses to start them: pull the image, inject the Datadog API key.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.name
  name       = "${var.site}-floats"
}

# The runtime Datadog secret (api_key), shared with the Lambda functions' Datadog Extension.
data "aws_secretsmanager_secret" "datadog" {
  name = coalesce(var.datadog_secret_name, "${var.site}/datadog")
}

resource "aws_ecs_cluster" "floats" {
  #checkov:skip=CKV_AWS_65:Container Insights stays off: metrics, traces and logs go to Datadog through the task's sidecars, and Container Insights would add the CloudWatch log group this design rules out.
  name = local.name
}

# Trust for every role ECS tasks assume, limited to ECS acting for this account.
data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    sid     = "EcsTasksOfThisAccount"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:ecs:${local.region}:${local.account_id}:*"]
    }
  }
}

resource "aws_iam_role" "task_execution" {
  name               = "${local.name}-ecs-task-execution"
  description        = "ECS task execution role of the ${local.name} Fargate tasks: image pull and the Datadog secret."
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "task_execution_managed" {
  role       = aws_iam_role.task_execution.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "task_execution" {
  statement {
    sid       = "ReadDatadogSecret"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [data.aws_secretsmanager_secret.datadog.arn]
  }

  # The GuardDuty runtime-monitoring sidecar that AWS injects into Fargate tasks pulls from ECR with
  # this role; GetAuthorizationToken has no resource-level permissions.
  statement {
    sid       = "GuardDutySidecarEcrLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "task_execution" {
  name   = "${local.name}-ecs-task-execution"
  role   = aws_iam_role.task_execution.id
  policy = data.aws_iam_policy_document.task_execution.json
}
