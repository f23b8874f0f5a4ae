"""A saved preview: what finance signed off, with a content hash so a changed copy is caught."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from jobs.adapters.previews import PreviewStore
from jobs.errors import UsageError


def content_hash(document: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of what was signed: env, run date, window, rows and totals."""
    signed = {k: document[k] for k in ("env", "run_date", "due_window", "rows", "totals")}
    return hashlib.sha256(json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def name_of(document: dict[str, Any]) -> str:
    """`<env>-<run date>-<hash12>.json`: the same preview always saves under the same name."""
    return f"{document['env']}-{document['run_date']}-{content_hash(document)[:12]}.json"


def save(document: dict[str, Any], store: PreviewStore) -> str:
    """Keep the preview with its hash; returns where it went (a path or an s3:// URL)."""
    text = json.dumps({**document, "content_hash": content_hash(document)}, indent=2, default=str)
    return store.put(name_of(document), text)


def parse(text: str, where: str) -> dict[str, Any]:
    """A saved preview's document, its hash checked; a changed or broken copy is refused."""
    try:
        document = json.loads(text)
    except ValueError:
        raise UsageError(f"{where} is not a saved preview (not JSON)") from None
    try:
        recorded = document["content_hash"]
        actual = content_hash(document)
    except (KeyError, TypeError):
        raise UsageError(f"{where} is not a saved preview (fields missing)") from None
    if recorded != actual:
        raise UsageError(
            f"{where} was changed after it was saved (content hash {actual[:12]} != {recorded[:12]})"
        )
    return document


def latest(store: PreviewStore, env: str, run_date: date) -> tuple[str, dict[str, Any]]:
    """The newest saved preview of one environment and run date: (where, document)."""
    names = store.names(f"{env}-{run_date.isoformat()}-")
    if not names:
        raise UsageError(
            f"no saved preview for {env} run date {run_date} in {store.where('')}",
            hint="save one with floatctl preview --date D --save",
        )
    where = store.where(names[-1])
    return where, parse(store.get(names[-1]), where)
