"""fargate_ecr.tf: floats/collections-jobs, immutable, scanned, never destroyed, with its lifecycle."""

from __future__ import annotations

from tests.infra.support import single


# https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
# "After tag immutability is turned on, the ImageTagAlreadyExistsException error is returned if you push
# an image with a tag that is already in the repository. Tag immutability affects all tags."
# moto ignores IMMUTABLE (https://github.com/getmoto/moto/issues/8717): only this test and ECR check it.
def test_repository_is_immutable_scanned_and_kept(terraform):
    repo = terraform.resource("aws_ecr_repository", "collections_jobs")
    assert repo["name"] == "floats/collections-jobs"
    assert repo["image_tag_mutability"] == "IMMUTABLE"
    assert single(repo["image_scanning_configuration"])["scan_on_push"] is True
    assert single(repo["lifecycle"])["prevent_destroy"] is True
    assert repo.get("force_delete") in (None, False)


# https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html
# rulePriority: "A rule with a tagStatus value of any must have the highest value for rulePriority and be
# evaluated last." tagStatus: "Acceptable options are tagged, untagged, or any." ... "If you specify
# untagged, then you must omit both tagPrefixList and tagPatternList."
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
    rules = terraform.locals["ecr_lifecycle_rules"]
    any_rules = [r["rulePriority"] for r in rules if r["selection"]["tagStatus"] == "any"]
    assert all(p == max(r["rulePriority"] for r in rules) for p in any_rules), "tagStatus any must be last"
    assert len({r["rulePriority"] for r in rules}) == len(rules), "rulePriority values must be unique"
    for rule in rules:
        if rule["selection"]["tagStatus"] == "untagged":
            assert not {"tagPrefixList", "tagPatternList"} & rule["selection"].keys()
