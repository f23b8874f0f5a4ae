# What finance shares with the night (issue 19): the previews it signs off, kept in one S3 bucket that
# `floatctl preview --save`, `floatctl diff` and the run's summary all read, and the SNS topic the run
# (and the deadline watch) publishes the night's summary to (docs/deploy.md "Finance").

resource "aws_s3_bucket" "signed_off_previews" {
  #checkov:skip=CKV_AWS_144:Previews are re-creatable from the run date with floatctl preview; a second region adds cost and a replication role for no recovery need.
  #checkov:skip=CKV_AWS_18:Reads and writes are by operators' SSO roles and the task role, recorded by CloudTrail data events where the account enables them; a second logging bucket is not needed for sign-off files.
  #checkov:skip=CKV2_AWS_62:Nothing reacts to a saved preview; the run reads the latest on its own.
  #checkov:skip=CKV_AWS_145:Previews hold float ids and amounts, no card data (cards show as ••1234 at most); SSE-S3 encrypts them at rest without a customer managed key and its grants.
  bucket = "${var.site}-floats-signed-off-previews"
}

resource "aws_s3_bucket_public_access_block" "signed_off_previews" {
  bucket                  = aws_s3_bucket.signed_off_previews.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "signed_off_previews" {
  bucket = aws_s3_bucket.signed_off_previews.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "signed_off_previews" {
  bucket = aws_s3_bucket.signed_off_previews.id
  versioning_configuration {
    status = "Enabled" # a signed-off preview overwritten or deleted by mistake can be brought back
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "signed_off_previews" {
  bucket = aws_s3_bucket.signed_off_previews.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "signed_off_previews" {
  bucket = aws_s3_bucket.signed_off_previews.id
  rule {
    id     = "keep-a-quarter"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 90
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_sns_topic" "finance_summary" {
  name              = "${local.task_family}-finance"
  kms_master_key_id = "alias/aws/sns"
}

resource "aws_sns_topic_subscription" "finance_summary" {
  for_each  = { for s in var.finance_summary_subscriptions : "${s.protocol}:${s.endpoint}" => s }
  topic_arn = aws_sns_topic.finance_summary.arn
  protocol  = each.value.protocol
  endpoint  = each.value.endpoint
}

# The task publishes the summary and reads the signed-off preview it compares the run with.
data "aws_iam_policy_document" "collections_jobs_task_finance" {
  statement {
    sid       = "PublishFinanceSummary"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.finance_summary.arn]
  }
  statement {
    sid       = "ListSignedOffPreviews"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.signed_off_previews.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["previews/*"]
    }
  }
  statement {
    sid       = "ReadSignedOffPreviews"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.signed_off_previews.arn}/previews/*"]
  }
}

resource "aws_iam_role_policy" "collections_jobs_task_finance" {
  name   = "${local.name}-collections-jobs-task-finance"
  role   = aws_iam_role.collections_jobs_task.id
  policy = data.aws_iam_policy_document.collections_jobs_task_finance.json
}
