"""`floatctl version`: what build this is."""

from __future__ import annotations

import typer

from floatctl.version_info import build_info


def version(ctx: typer.Context) -> None:
    """Print the version, commit and build date."""
    info = build_info()
    out = ctx.obj.output
    if out.is_json:
        out.json(info)
    else:
        out.line(f"floatctl {info['version']} (commit {info['commit']}, {info['commit_date']})")
