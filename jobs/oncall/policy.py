"""Operator policy every face applies the same way: when an action must say why, when a late launch
needs an approver, and when to ask to confirm.

`floatctl launch`, `recover`, `stop`, `schedule`, `locks release` and the TUI's dialogs call these
before they ask; the jobs functions that act (start_launches, perform, stop_tasks,
set_schedule_state, release_lock) call them again, so no face can skip them.
"""

from __future__ import annotations

from datetime import date, datetime

from jobs.domain import calendar
from jobs.errors import ConfirmationNeeded, UsageError

#: Environments in which every state-changing action must say why (the reason goes to the audit ledger).
REASON_REQUIRED_ENVS = ("prod",)

#: Each audited action: how a refusal names it ("say why you ..."), and whether it needs a reason in
#: every environment (stopping a run, pausing the schedule, freeing a lock are never routine).
ACTIONS: dict[str, tuple[str, bool]] = {
    "launch": ("launch by hand", False),
    "recover": ("recover", False),
    "stop": ("stop the run", True),
    "schedule.pause": ("pause the schedule", True),
    "schedule.resume": ("resume the schedule", True),
    "lock.release": ("release the lock", True),
}


def reason_required(env: str, action: str = "launch") -> bool:
    """Whether `action` in `env` needs a reason."""
    return ACTIONS[action][1] or env in REASON_REQUIRED_ENVS


def check_reason(env: str, action: str, reason: str | None) -> str | None:
    """The reason stripped (None when empty and allowed); a one-line usage error when `action` in `env`
    needs one and none was given."""
    cleaned = (reason or "").strip() or None
    if cleaned is None and reason_required(env, action):
        doing, always = ACTIONS[action]
        where = "" if always else f" in {env}"
        raise UsageError(f"--reason is required{where}: say why you {doing} (it goes to the audit ledger)")
    return cleaned


#: Environments in which a launch past the cutoff needs a named approver (money settles a day late).
APPROVAL_REQUIRED_ENVS = ("prod",)


def past_cutoff(run_date: date, now: datetime) -> bool:
    """Whether a launch for `run_date` at `now` is late: its 21:00 ET ACH cutoff has passed."""
    return now >= calendar.cutoff_at(run_date)


def approval_required(env: str, late: bool) -> bool:
    """Whether a launch needs `--approved-by`: late, in an environment where money is real."""
    return late and env in APPROVAL_REQUIRED_ENVS


def check_approval(env: str, approved_by: str | None, late: bool) -> str | None:
    """The approver's name stripped; a one-line usage error when a late launch in `env` names none."""
    cleaned = (approved_by or "").strip() or None
    if cleaned is None and approval_required(env, late):
        raise UsageError(
            f"--approved-by NAME is required for a launch past the 21:00 ET cutoff in {env}: "
            "who in finance agreed to the late settlement (it goes to the audit ledger)"
        )
    return cleaned


NOT_CONFIRMED = "not confirmed; nothing changed"


def confirmation_prompt(env: str, question: str, yes: bool, interactive: bool) -> str | None:
    """The question to ask before a state change (prod shouted), or None when `--yes` answered it;
    ConfirmationNeeded (exit 4) when there is no terminal to ask and no `--yes`."""
    if yes:
        return None
    if not interactive:
        raise ConfirmationNeeded(f"{question} needs confirmation: run it in a terminal or pass --yes")
    return f"[{env.upper() if env == 'prod' else env}] {question}"
