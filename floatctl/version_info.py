"""Build metadata: the package version, and the git facts the container build passes in."""

from __future__ import annotations

import os


def build_info() -> dict[str, str]:
    """Version facts; GIT_* environment variables (container build args) win over the package metadata."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        pkg_version = version("floatctl")
    except PackageNotFoundError:
        pkg_version = "0+unknown"
    return {
        "version": os.environ.get("GIT_VERSION") or pkg_version,
        "commit": os.environ.get("GIT_COMMIT") or "unknown",
        "commit_date": os.environ.get("GIT_COMMIT_DATE") or "unknown",
        "commit_timestamp": os.environ.get("GIT_COMMIT_TIMESTAMP") or "unknown",
    }
