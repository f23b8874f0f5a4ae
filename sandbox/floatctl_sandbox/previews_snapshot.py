"""Keep the sandbox's signed-off previews across restarts: moto holds its S3 only in memory.

At shutdown every object of the previews bucket is written to DIR/previews/ (one file per object, its
key's last part as the name); at start-up they go back into the freshly made bucket.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobs.adapters.previews import PreviewBucket
from jobs.settings import Settings

DIRECTORY = "previews"
PREFIX = PreviewBucket.PREFIX


def save(directory: Path, settings: Settings, clients: Any) -> None:
    s3, bucket = clients.client("s3"), settings.preview_bucket
    target = directory / DIRECTORY
    target.mkdir(exist_ok=True)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX):
        for entry in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
            (target / entry["Key"].removeprefix(PREFIX)).write_bytes(body)


def restore(directory: Path, settings: Settings, clients: Any) -> None:
    s3 = clients.client("s3")
    for path in sorted((directory / DIRECTORY).glob("*.json"), key=lambda p: p.stat().st_mtime):
        s3.put_object(Bucket=settings.preview_bucket, Key=PREFIX + path.name, Body=path.read_bytes())
