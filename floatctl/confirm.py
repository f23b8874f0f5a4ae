"""Confirmation before a state change: loud in prod, skippable with --yes, never silent without a TTY."""

from __future__ import annotations

import sys

import typer

from jobs.errors import ConfirmationNeeded


def confirm(app_ctx, question: str, yes: bool) -> None:
    """Ask; exit 4 (not 3, a guard's refusal) on no, or when there is no terminal and no --yes."""
    app_ctx.output.banner(app_ctx.env)
    if yes:
        return
    if not sys.stdin.isatty():
        raise ConfirmationNeeded(f"{question} needs confirmation: run it in a terminal or pass --yes")
    env = app_ctx.env.upper() if app_ctx.env == "prod" else app_ctx.env
    if not typer.confirm(f"[{env}] {question}", default=False, err=True):
        raise ConfirmationNeeded("not confirmed; nothing changed")
