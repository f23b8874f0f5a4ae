"""A saved preview: what finance signed off, with a content hash so a changed file is caught."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from jobs.errors import UsageError


def content_hash(document: dict[str, Any]) -> str:
    """sha256 over the canonical JSON of what was signed: env, run date, window, rows and totals."""
    signed = {k: document[k] for k in ("env", "run_date", "due_window", "rows", "totals")}
    return hashlib.sha256(json.dumps(signed, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def save(document: dict[str, Any], directory: Path) -> Path:
    """Write the preview as <env>-<run date>-<hash12>.json; the same preview saves to the same file."""
    digest = content_hash(document)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{document['env']}-{document['run_date']}-{digest[:12]}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**document, "content_hash": digest}, indent=2, default=str))
    tmp.replace(path)
    return path


def load(path: Path) -> dict[str, Any]:
    """Read a saved preview and check its hash; a changed or broken file is refused."""
    try:
        document = json.loads(path.read_text())
    except OSError as exc:
        raise UsageError(f"cannot read saved preview {path}: {exc.strerror}") from None
    except ValueError:
        raise UsageError(f"{path} is not a saved preview (not JSON)") from None
    try:
        recorded = document["content_hash"]
        actual = content_hash(document)
    except (KeyError, TypeError):
        raise UsageError(f"{path} is not a saved preview (fields missing)") from None
    if recorded != actual:
        raise UsageError(
            f"{path} was changed after it was saved (content hash {actual[:12]} != {recorded[:12]})"
        )
    return document


def latest(directory: Path, env: str, run_date: date) -> Path:
    """The newest saved preview of one environment and run date."""
    candidates = sorted(
        directory.glob(f"{env}-{run_date.isoformat()}-*.json"), key=lambda p: p.stat().st_mtime
    )
    if not candidates:
        raise UsageError(
            f"no saved preview for {env} run date {run_date} in {directory}",
            hint="save one with floatctl preview --date D --save",
        )
    return candidates[-1]
