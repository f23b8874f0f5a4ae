"""Confirmation before a state change: the rule is jobs.oncall.policy.confirmation_prompt; this asks."""

from __future__ import annotations

import sys

import typer

from jobs.errors import ConfirmationNeeded


def confirm(app_ctx, question: str, yes: bool) -> None:
    """Ask; exit 4 (not 3, a guard's refusal) on no, or when there is no terminal and no --yes."""
    from jobs.oncall.policy import NOT_CONFIRMED, confirmation_prompt

    app_ctx.output.banner(app_ctx.env)
    prompt = confirmation_prompt(app_ctx.env, question, yes, sys.stdin.isatty())
    if prompt is not None and not typer.confirm(prompt, default=False, err=True):
        raise ConfirmationNeeded(NOT_CONFIRMED)
