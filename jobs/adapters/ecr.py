"""ECR: is an image (a tag or a digest) in its repository? Preflight asks before a night."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jobs.adapters.aws_errors import AwsError, translated

# DescribeImages' errors: ImageNotFoundException, "The image requested does not exist in the specified
# repository." (https://docs.aws.amazon.com/sdk-for-ruby/v3/api/Aws/ECR/Types/ImageNotFoundException.html)
# and RepositoryNotFoundException, "The specified repository could not be found"
# (https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageFailure.html lists the failure
# codes DescribeImages/BatchGetImage report, among them "ImageNotFound").
MISSING = {"ImageNotFoundException": "no such image", "RepositoryNotFoundException": "no such repository"}


@dataclass(frozen=True)
class ImageLookup:
    """Whether the image is there; when it is, when it was pushed; when not, why (in words)."""

    found: bool
    pushed_at: datetime | None = None
    missing: str = ""


class EcrImages:
    def __init__(self, ecr: Any) -> None:
        self.ecr = ecr

    def lookup(self, registry: str, repository: str, tag: str | None, digest: str | None) -> ImageLookup:
        """DescribeImages of one tag (or digest) in `repository` of `registry` (an account id)."""
        image_id = {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
        try:
            with translated(f"ecr:DescribeImages of {repository}"):
                found = self.ecr.describe_images(
                    registryId=registry, repositoryName=repository, imageIds=[image_id]
                )["imageDetails"]
        except AwsError as exc:
            if exc.code in MISSING:
                return ImageLookup(False, missing=MISSING[exc.code])
            raise
        if not found:
            return ImageLookup(False, missing=f"not in {repository}")
        return ImageLookup(True, pushed_at=found[0].get("imagePushedAt"))
