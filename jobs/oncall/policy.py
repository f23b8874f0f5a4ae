"""Operator policy every face applies the same way: when a reason is required, when to ask to confirm.

`floatctl launch`, `recover`, `locks release` and the TUI (with --allow-writes) call these.
"""

from __future__ import annotations

from jobs.errors import UsageError

#: Environments in which a state-changing action must say why (the reason goes to the audit ledger).
REASON_REQUIRED_ENVS = ("prod",)


def reason_required(env: str) -> bool:
    """Whether an action that changes state in `env` needs a reason."""
    return env in REASON_REQUIRED_ENVS


def check_reason(env: str, reason: str | None, doing: str) -> str | None:
    """The reason stripped; a one-line usage error when `env` needs one and none was given."""
    cleaned = (reason or "").strip() or None
    if cleaned is None and reason_required(env):
        raise UsageError(f"--reason is required in {env}: say why you {doing} (it goes to the audit ledger)")
    return cleaned


#: Environments in which a launch past the cutoff needs a named approver (money settles a day late).
APPROVAL_REQUIRED_ENVS = ("prod",)


def check_approval(env: str, approved_by: str | None, late: bool) -> str | None:
    """The approver's name stripped; a one-line usage error when a late launch in `env` names none."""
    cleaned = (approved_by or "").strip() or None
    if late and cleaned is None and env in APPROVAL_REQUIRED_ENVS:
        raise UsageError(
            f"--approved-by NAME is required for a launch past the 21:00 ET cutoff in {env}: "
            "who in finance agreed to the late settlement (it goes to the audit ledger)"
        )
    return cleaned
