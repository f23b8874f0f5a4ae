"""The exact floatctl lines that advice, hints, pages and refusals name: built here only, so a line
copied from any of them is the one to type -- the same night (`--date`), the same environment
(`--env` outside the sandbox, the default), and every flag the policy will ask for."""

from __future__ import annotations

from datetime import date

from jobs.oncall import policy

#: The environment a `floatctl` line acts on when it names none (jobs.settings.Settings.env).
DEFAULT_ENV = "sandbox"
REASON = '--reason "<why>"'
APPROVER = '--approved-by "<name>"'


def floatctl(env: str, *words: str) -> str:
    """`floatctl [--env ENV] WORDS…`: a prod page's line copied into a fresh shell still acts on prod."""
    return " ".join(["floatctl", *([] if env == DEFAULT_ENV else ["--env", env]), *words])


def status(run_date: date, env: str) -> str:
    """The line that shows `run_date`'s night: its runs, locks, tasks and what to do."""
    return floatctl(env, "status", "--date", run_date.isoformat())


def _launch_flags(
    run_date: date, env: str, action: str, after_cutoff: bool, early: bool, late: bool
) -> list[str]:
    flags = ["--date", run_date.isoformat()]
    if after_cutoff:
        flags.append("--after-cutoff")
    if early:
        flags.append("--early")
    if policy.reason_required(env, action):
        flags.append(REASON)
    if policy.approval_required(env, late):
        flags.append(APPROVER)
    return flags


def recover(
    run_date: date, env: str, after_cutoff: bool = False, early: bool = False, late: bool = False
) -> str:
    """`recover` for `run_date`: the diagnosis's one safe action, with the flags its policy requires
    (`late`: past the cutoff, where prod needs the approver)."""
    flags = _launch_flags(run_date, env, "recover", after_cutoff or late, early, late)
    return floatctl(env, "recover", "day-before-ach", *flags, "--wait")


def launch(
    run_date: date, env: str, after_cutoff: bool = False, early: bool = False, late: bool = False
) -> str:
    """`launch` for `run_date`: a deliberate launch, whatever the diagnosis says (a paused night)."""
    flags = _launch_flags(run_date, env, "launch", after_cutoff or late, early, late)
    return floatctl(env, "launch", "day-before-ach", *flags, "--wait")


def schedule_resume(env: str) -> str:
    """The line that switches the 19:00 fire on again (a reason is always required)."""
    return floatctl(env, "schedule", "resume", REASON)
