# One ECR repository per binary. Tags are immutable and the repository is never destroyed, so every
# build stays addressable for a rollback until the lifecycle policy expires it.

locals {
  ecr_lifecycle_rules = [
    {
      rulePriority = 1
      description  = "Expire untagged images older than 7 days"
      selection = {
        tagStatus   = "untagged"
        countType   = "sinceImagePushed"
        countUnit   = "days"
        countNumber = 7
      }
      action = { type = "expire" }
    },
    {
      rulePriority = 2
      description  = "Keep the newest 5 images of any tag status"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 5
      }
      action = { type = "expire" }
    },
  ]
}

resource "aws_ecr_repository" "collections_jobs" {
  #checkov:skip=CKV_AWS_136:AES-256 at rest, the ECR default; moving an existing repository to KMS replaces it, which prevent_destroy forbids, and the image holds no secrets.
  name                 = "floats/collections-jobs"
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_ecr_lifecycle_policy" "collections_jobs" {
  repository = aws_ecr_repository.collections_jobs.name
  policy     = jsonencode({ rules = local.ecr_lifecycle_rules })
}
