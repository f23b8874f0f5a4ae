"""fargate_ecr.tf: floats/collections-jobs, immutable, scanned, never destroyed, with its lifecycle."""

from __future__ import annotations

from tests.infra.support import single


def test_repository_is_immutable_scanned_and_kept(terraform):
    repo = terraform.resource("aws_ecr_repository", "collections_jobs")
    assert repo["name"] == "floats/collections-jobs"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert single(repo["image_scanning_configuration"])["scan_on_push"] is True
    assert single(repo["lifecycle"])["prevent_destroy"] is True
    assert repo.get("force_delete") in (None, False)


def test_lifecycle_expires_untagged_after_7_days_then_keeps_the_newest_5(terraform):
    policy = terraform.resource("aws_ecr_lifecycle_policy", "collections_jobs")
    assert policy["repository"] == "${aws_ecr_repository.collections_jobs.name}"
    assert policy["policy"] == "${jsonencode({rules = local.ecr_lifecycle_rules})}"
    untagged, newest = sorted(terraform.locals["ecr_lifecycle_rules"], key=lambda r: r["rulePriority"])
    assert untagged["rulePriority"] == 1
    assert untagged["selection"] == {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 7,
    }
    assert newest["rulePriority"] == 2
    assert newest["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 5}
    assert untagged["action"] == newest["action"] == {"type": "expire"}
