"""Which night is in question, what state it is in, and the one thing to do: a pure function of the facts.

`status` (its advice), `recover`, `launch` (its guards), `watch` and the TUI all read this diagnosis, so
they cannot disagree; every command it names carries `--date` for the same night. No I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from jobs.domain import calendar
from jobs.oncall import commands
from jobs.words import duration

#: A Fargate task takes a minute or two to write its run record after the fire.
FIRE_GRACE = timedelta(minutes=5)
#: Why a launch before the fire needs --early (shown by launch, recover and status).
EARLY_RISK = (
    "an early run evaluates and re-fetches the floats hours before the 21:00 ET cutoff: a float paid, "
    "cancelled or given a valid card after it ran is still collected by ACH, and floats that become due "
    "later are missed"
)

# States of a night.
NO_FIRE = "no-fire"  # the schedule does not fire that day (a weekend)
HOLIDAY = "holiday"  # it fires, but on a Fed holiday: the previous business day's run covered the window
NOT_YET_DUE = "not-yet-due"
STARTING = "starting"  # fired minutes ago; the task has not written its run record yet
FIRE_FAILED = "fire-failed"  # the scheduler could not start the task (a message in its DLQ)
PAUSED = "paused"  # no run, and the schedule is paused (`schedule pause`): a decision, not an incident
NEVER_FIRED = "never-fired"
RUNNING = "running"
DIED = "died"
INTERRUPTED = "interrupted"
FAILED = "failed"
SUCCEEDED = "succeeded"
STATES = (NO_FIRE, HOLIDAY, NOT_YET_DUE, STARTING, FIRE_FAILED, PAUSED, NEVER_FIRED, RUNNING, DIED)
STATES += (INTERRUPTED,)
STATES += (FAILED, SUCCEEDED)
#: States in which the night's money is not (all) collected and someone must act.
TROUBLED = (FIRE_FAILED, NEVER_FIRED, DIED, INTERRUPTED, FAILED)

# Actions.
LAUNCH = "launch"
RELEASE_AND_LAUNCH = "release-orphaned-lock-and-launch"
WAIT = "wait"
NOTHING = "nothing"
TELL_FINANCE = "tell-finance"


def fire_time(run_date: date, schedule: Any = None) -> datetime | None:
    """When the schedule fires for `run_date`; None when it does not fire that day.

    Without a readable schedule, the designed one: 19:00 New York, Monday to Friday.
    """
    cron = schedule.cron if schedule is not None else None
    if cron is None:
        return calendar.fire_at(run_date) if run_date.weekday() < 5 else None
    times = cron.fire_times(run_date, schedule.tz)
    return times[0] if times else None


def due_at(run_date: date, schedule: Any = None) -> datetime:
    """The moment before which a launch for `run_date` is early: its fire, or 19:00 on a day without one."""
    return fire_time(run_date, schedule) or calendar.fire_at(run_date)


def night_in_question(now: datetime, schedule: Any = None, requested: date | None = None) -> date:
    """The run date every on-call command talks about: `requested`, else the night of the last fire.

    At 01:47 after a missed fire, that is yesterday's night (not today's, whose fire is 17 h ahead).
    """
    if requested is not None:
        return requested
    day = calendar.today_in_new_york(now)
    for _ in range(15):
        fire = fire_time(day, schedule)
        if fire is not None and fire <= now:
            return day
        day -= timedelta(days=1)
    return calendar.today_in_new_york(now)


def paused(facts: Any) -> bool:
    """The schedule was read and is not ENABLED (`floatctl schedule pause`): nothing fires by itself."""
    return facts.schedule is not None and facts.schedule.state != "ENABLED"


def in_progress(running_tasks: list[Any], job_locks: list[Any]) -> bool:
    """What "a run is in progress" means everywhere: a task of the family is not STOPPED, or a job lock
    is live (its lease has time left and its owner is not provably dead)."""
    return bool(running_tasks) or any(lock.state == "live" for lock in job_locks)


def _day(d: date) -> str:
    return f"{d:%a} {d.isoformat()}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _left(seconds: float) -> str:
    if seconds <= 0:
        return f"the cutoff passed {duration(seconds)} ago"
    return f"{duration(seconds)} to the 21:00 ET cutoff"


@dataclass(frozen=True)
class Diagnosis:
    """The night, its state, the one action, and the sentence (with the exact command) that says it."""

    run_date: date
    state: str
    explanation: str
    action: str
    command: str | None
    advice: str
    seconds_to_cutoff: float

    @property
    def acts(self) -> bool:
        return self.action in (LAUNCH, RELEASE_AND_LAUNCH)

    @property
    def troubled(self) -> bool:
        return self.state in TROUBLED

    def as_json(self) -> dict[str, Any]:
        return {
            "run_date": self.run_date.isoformat(),
            "state": self.state,
            "explanation": self.explanation,
            "action": self.action,
            "command": self.command,
            "advice": self.advice,
            "seconds_to_cutoff": round(self.seconds_to_cutoff),
        }


def command_for(
    action: str,
    run_date: date,
    env: str,
    after_cutoff: bool = False,
    early: bool = False,
    late: bool | None = None,
) -> str | None:
    """The exact command that carries out `action` for `run_date` in `env` (None when there is nothing
    to run). `late`: the launch would be past the cutoff (default: --after-cutoff, or tell-finance)."""
    if action == WAIT:
        return commands.status(run_date, env)
    if action not in (LAUNCH, RELEASE_AND_LAUNCH, TELL_FINANCE):
        return None
    late = (after_cutoff or action == TELL_FINANCE) if late is None else late
    return commands.recover(run_date, env, after_cutoff or action == TELL_FINANCE, early, late)


def diagnose(facts: Any, after_cutoff: bool = False, early: bool = False) -> Diagnosis:
    """The state of `facts.focus_run_date`'s night and the one safe action, from the facts alone."""
    run_date: date = facts.focus_run_date
    now: datetime = facts.now
    fire = fire_time(run_date, facts.schedule)
    ahead = now < due_at(run_date, facts.schedule)
    left = (calendar.cutoff_at(run_date) - now).total_seconds()
    run = facts.latest_run
    lock = next((lk for lk in facts.job_locks if lk.state == "orphaned"), None)
    launch = RELEASE_AND_LAUNCH if lock is not None else LAUNCH
    failure = facts.fire_failure
    fire_text = f"the {_day(run_date)} fire" + (
        f" ({fire.astimezone(calendar.NEW_YORK):%H:%M} ET)" if fire else ""
    )

    if in_progress(facts.running_tasks, facts.job_locks):
        which = f" (run {run.run_id})" if run is not None and run.status == "RUNNING" else ""
        state, why, action = RUNNING, f"A run is in progress{which}: let it finish.", WAIT
    elif run is not None and run.status == "SUCCEEDED":
        state, why, action = SUCCEEDED, f"Run {run.run_id} SUCCEEDED for {_day(run_date)}.", NOTHING
    elif run is None and failure is not None:
        why = f"{_cap(fire_text)} failed to start the task: {failure.error_code}: {failure.error_message}."
        state, action = FIRE_FAILED, launch
    elif run is None and fire is None:
        state, why, action = (
            NO_FIRE,
            f"The schedule does not fire on {run_date:%A}s ({_day(run_date)}).",
            NOTHING,
        )
    elif run is None and not calendar.is_business_day(run_date):
        name = calendar.holiday_name(run_date) or "not a business day"
        why = (
            f"{_day(run_date)} is {name}: its window was collected by the "
            f"{_day(calendar.previous_business_day(run_date))} run, so a missing run needs nothing."
        )
        state, action = HOLIDAY, NOTHING
    elif run is None and paused(facts):
        did = "will not run" if now < fire else "did not run"
        why = f"{_cap(fire_text)} {did}: the schedule is {facts.schedule.state} (paused on purpose)."
        state, action = PAUSED, NOTHING
    elif run is None and now < fire:
        why = (
            f"{_cap(fire_text)} is {duration((fire - now).total_seconds())} ahead; the schedule will run it."
        )
        state, action = NOT_YET_DUE, launch if early else NOTHING
    elif run is None and now < fire + FIRE_GRACE:
        state, why, action = (
            STARTING,
            f"{_cap(fire_text)} happened moments ago; its task is starting.",
            WAIT,
        )
    elif run is None:
        state, why, action = (
            NEVER_FIRED,
            f"{_cap(fire_text)} did not run: no run record (the scheduler never retries).",
            launch,
        )
    elif run.status == "RUNNING":
        held = f"orphaned job lock ({lock.lease.owner_task})" if lock else "no live job lock"
        state, why, action = (
            DIED,
            f"Run {run.run_id} says RUNNING but no task runs and there is {held}: it died.",
            launch,
        )
    elif run.status == "INTERRUPTED":
        state, why, action = INTERRUPTED, f"Run {run.run_id} was INTERRUPTED before it finished.", launch
    else:
        state, why, action = (
            FAILED,
            f"Run {run.run_id} ended {run.status}: a rerun retries its failed floats.",
            launch,
        )

    if action in (LAUNCH, RELEASE_AND_LAUNCH) and ahead and not early:
        action = NOTHING  # the fire is still ahead: the schedule will run it
    if action in (LAUNCH, RELEASE_AND_LAUNCH) and left <= 0 and not after_cutoff:
        action = TELL_FINANCE
    command = command_for(action, run_date, facts.env, after_cutoff, early, late=left <= 0)
    if state == PAUSED:
        advice = _paused_advice(facts, why, ahead, left)
    else:
        advice = _advice(facts, state, why, action, command, left, ahead)
    return Diagnosis(run_date, state, why, action, command, advice, left)


def _paused_advice(facts: Any, why: str, ahead: bool, left: float) -> str:
    """A paused night: nothing to do if it was meant; else the two lines to type."""
    resume = commands.schedule_resume(facts.env)
    if ahead:
        return f"{why} Nothing to do if that is meant; otherwise resume it before the fire: {resume}"
    late = left <= 0
    launch = commands.launch(facts.focus_run_date, facts.env, after_cutoff=late, late=late)
    finance = " (the cutoff has passed: only with finance's go-ahead)" if late else ""
    return (
        f"{why} Nothing to do if that is meant. Otherwise launch this night deliberately{finance}: "
        f"{launch}; and resume the schedule for the next nights: {resume}"
    )


def _advice(
    facts: Any, state: str, why: str, action: str, command: str | None, left: float, ahead: bool
) -> str:
    if facts.schedule_error:
        prefix = (
            f"The schedule cannot be read ({facts.schedule_error}): "
            f"check it with {commands.floatctl(facts.env, 'preflight')}. "
        )
    elif paused(facts):
        prefix = f"The schedule is {facts.schedule.state}: it will not fire by itself. "
    else:
        prefix = ""
    if action == NOTHING:
        tail = ""
        if ahead:
            tail = f" A launch before the fire needs --early, and is risky: {EARLY_RISK}."
        return f"{prefix}Nothing to do: {why}{tail}"
    if action == WAIT:
        return f"{prefix}{why} Watch it with {command} ({_left(left)})."
    if action == TELL_FINANCE:
        return f"{prefix}{why} The cutoff has passed: tell finance; a late launch only with their go-ahead: {command}"
    if action == RELEASE_AND_LAUNCH:
        verb = "Release its orphaned job lock and relaunch"
    else:
        verb = "Launch it now" if facts.latest_run is None else "Relaunch it to finish the rest"
    return f"{prefix}{why} {verb} ({_left(left)}): {command}"
