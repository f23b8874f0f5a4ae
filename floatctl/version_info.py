"""Build metadata: the package version, and the git facts (container build args, or the checkout's git)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _from_git() -> dict[str, str]:
    """The commit of the checkout this code runs from, when it is a git checkout with git installed."""
    if not (_CHECKOUT / ".git").exists():
        return {}
    try:
        describe, commit, date, stamp = (
            subprocess.run(
                ["git", "-C", str(_CHECKOUT), *args],
                capture_output=True,
                text=True,
                timeout=5,
                check=True,
            ).stdout.strip()
            for args in (
                ["describe", "--tags", "--always", "--dirty"],
                ["rev-parse", "HEAD"],
                ["show", "-s", "--format=%cI", "HEAD"],
                ["show", "-s", "--format=%ct", "HEAD"],
            )
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"version": describe, "commit": commit, "commit_date": date, "commit_timestamp": stamp}


def build_info() -> dict[str, str]:
    """Version facts: GIT_* environment variables (container build args) > the checkout's git > package metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg_version = version("floatctl")
    except PackageNotFoundError:
        pkg_version = "0+unknown"
    git = {} if os.environ.get("GIT_COMMIT") else _from_git()
    facts = {}
    for key, fallback in (
        ("version", pkg_version),
        ("commit", "unknown"),
        ("commit_date", "unknown"),
        ("commit_timestamp", "unknown"),
    ):
        facts[key] = os.environ.get(f"GIT_{key.upper()}") or git.get(key) or fallback
    return facts
