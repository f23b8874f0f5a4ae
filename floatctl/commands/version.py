"""`floatctl version` (and `floatctl --version`): what build this is."""

from __future__ import annotations

import typer

from floatctl.version_info import build_info


def print_version(out) -> None:
    """The version, commit and commit date; a JSON document with -o json."""
    info = build_info()
    if out.is_json:
        out.json(info)
    else:
        out.line(f"floatctl {info['version']} (commit {info['commit'][:12]}, {info['commit_date']})")


def version(ctx: typer.Context) -> None:
    """Print the version, commit and build date."""
    print_version(ctx.obj.output)
