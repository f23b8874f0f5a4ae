"""Where signed-off previews are kept: files on this machine, or an S3 bucket finance and on-call share.

Both stores hold `<env>-<run date>-<hash12>.json` documents and answer the same three questions: keep
this text under a name, which names start with a prefix (newest last), and what a name holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from jobs.adapters.aws_errors import error_code
from jobs.errors import DependencyError, UsageError, credential_error


class PreviewStore(Protocol):
    def put(self, name: str, text: str) -> str: ...

    def names(self, prefix: str) -> list[str]: ...

    def get(self, name: str) -> str: ...

    def where(self, name: str) -> str: ...


class PreviewFiles:
    """Previews as files in one directory (FLOATCTL_PREVIEW_DIR: a deliberate, machine-local choice)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def put(self, name: str, text: str) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / name
        tmp = path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(path)  # a reader never sees half a preview
        return str(path)

    def names(self, prefix: str) -> list[str]:
        found = sorted(self.directory.glob(f"{prefix}*.json"), key=lambda p: p.stat().st_mtime)
        return [p.name for p in found]

    def get(self, name: str) -> str:
        try:
            return (self.directory / name).read_text()
        except OSError as exc:
            raise UsageError(f"cannot read saved preview {self.directory / name}: {exc.strerror}") from None

    def where(self, name: str) -> str:
        return str(self.directory / name)


class PreviewBucket:
    """Previews as S3 objects under `previews/`: what finance saves, the on-call laptop and the run read.

    S3's consistency model (AWS, https://disaster-recovery.workshop.aws/en/services/storage/s3.html):
    "Any read (GET or LIST) initiated after receiving a successful PUT response will return the data
    written by PUT", so `diff` right after `preview --save` lists and reads the new object.
    """

    PREFIX = "previews/"

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def put(self, name: str, text: str) -> str:
        self._call(
            "PutObject",
            lambda: self.s3.put_object(
                Bucket=self.bucket, Key=self.PREFIX + name, Body=text.encode(), ContentType="application/json"
            ),
        )
        return self.where(name)

    def names(self, prefix: str) -> list[str]:
        objects: list[dict[str, Any]] = []
        pages = self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.PREFIX + prefix
        )
        for page in self._call("ListObjectsV2", lambda: list(pages)):
            objects += page.get("Contents", [])
        objects.sort(key=lambda o: (o["LastModified"], o["Key"]))
        return [o["Key"][len(self.PREFIX) :] for o in objects if o["Key"].endswith(".json")]

    def get(self, name: str) -> str:
        body = self._call("GetObject", lambda: self.s3.get_object(Bucket=self.bucket, Key=self.PREFIX + name))
        return body["Body"].read().decode()

    def where(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.PREFIX}{name}"

    def _call(self, action: str, call: Any) -> Any:
        try:
            return call()
        except Exception as exc:
            if found := credential_error(exc):
                raise found from None
            code = error_code(exc) or type(exc).__name__
            if code in ("NoSuchKey", "404"):
                raise UsageError(f"no saved preview at {self.bucket}: {code}") from None
            raise DependencyError(f"S3 {action} on {self.bucket} failed: {code}") from None


def preview_store(settings: Any, s3: Any) -> PreviewStore:
    """The environment's shared bucket (`<site>-floats-signed-off-previews`, as terraform names it; the
    sandbox's moto has one too), so finance's laptop, on-call's and the run read one sign-off; files only
    when FLOATCTL_PREVIEW_DIR asks for them. `s3` is called only when the bucket is used."""
    if settings.preview_dir:
        return PreviewFiles(Path(settings.preview_dir).expanduser())
    return PreviewBucket(s3(), settings.preview_bucket)
