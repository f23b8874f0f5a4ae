"""STS: who is calling (the operator an audit event and a launch's tag name)."""

from __future__ import annotations

from typing import Any

from jobs.adapters.aws_errors import translated


def caller_arn(sts: Any) -> str:
    """The caller's ARN (sts:GetCallerIdentity, which needs no permission)."""
    with translated("cannot tell who you are (sts:GetCallerIdentity)"):
        return sts.get_caller_identity()["Arn"]
