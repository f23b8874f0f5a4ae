"""A safe manual launch of the day-before-ach task: guards, the exact RunTask request, and following
the task to its exit code (DescribeTasks with our own deadline, not the CLI waiter's ~10 minutes).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobs.domain import calendar
from jobs.errors import DependencyError, RefusedError
from jobs.oncall import commands, policy
from jobs.oncall.facts import Facts
from jobs.oncall.policy import past_cutoff
from jobs.oncall.ports import OncallRuntime
from jobs.oncall.run_task import build_request, shard_requests

if TYPE_CHECKING:
    from jobs.adapters.ecs import EcsTasks
    from jobs.adapters.history import HistoryStore
from jobs.words import duration, moment

START_ALLOWANCE = timedelta(minutes=2)  # Fargate provisioning and image pull
DEFAULT_RUN_ESTIMATE = timedelta(minutes=10)
CUTOFF_CHECK = "before the 21:00 ET cutoff"


@dataclass(frozen=True)
class Check:
    """One guard: passed or not, and why."""

    name: str
    ok: bool
    detail: str
    blocking: bool = True


def guard_checks(
    facts: Facts, run_date: date, now: datetime, after_cutoff: bool, early: bool = False
) -> list[Check]:
    """The launch guards, in the order an engineer reads them (in-progress and fire times from the diagnosis)."""
    from jobs.oncall.diagnosis import EARLY_RISK, due_at, in_progress

    checks = []
    if facts.schedule_error:
        checks.append(Check("schedule readable", False, facts.schedule_error))
    else:
        checks.append(Check("schedule readable", True, f"{facts.schedule.name}: {facts.schedule.expression}"))
    # A RUNNING record counts only while a run is in progress (the diagnosis's one definition).
    # Without that, the run died (OOM, SIGKILL) and a relaunch is what it needs.
    alive = in_progress(facts.running_tasks, facts.job_locks)
    blocking_runs = [r for r in facts.runs if r.status == "SUCCEEDED" or (r.status == "RUNNING" and alive)]
    if blocking_runs:
        run = blocking_runs[0]
        checks.append(
            Check(
                "no run RUNNING or SUCCEEDED for the due date",
                False,
                f"run {run.run_id} is {run.status} (started {moment(run.started_at)} by {run.started_by})",
            )
        )
    else:
        seen = ", ".join(f"{r.run_id} {r.status}" for r in facts.runs) or "none"
        checks.append(Check("no run RUNNING or SUCCEEDED for the due date", True, f"earlier runs: {seen}"))
    if facts.running_tasks:
        checks.append(
            Check(
                "no task of the family running",
                False,
                ", ".join(f"{t.short_id} {t.last_status}" for t in facts.running_tasks),
            )
        )
    else:
        checks.append(Check("no task of the family running", True, "none running"))
    fire = due_at(run_date, facts.schedule)
    if now < fire:
        checks.append(
            Check(
                "the run date's fire has passed",
                early,
                f"the {run_date:%a} {run_date} 19:00 ET fire is {duration((fire - now).total_seconds())} ahead"
                + (" (--early given)" if early else f"; --early launches it anyway, but {EARLY_RISK}"),
            )
        )
    else:
        checks.append(Check("the run date's fire has passed", True, f"fired {fire:%a %H:%M} ET"))
    lock = facts.job_lock
    if lock is not None and lock.state == "live":
        checks.append(
            Check(
                "job lock free",
                False,
                f"held by run {lock.lease.owner} on {lock.lease.owner_task}, {duration(lock.lease.seconds_left())} left",
            )
        )
    else:
        checks.append(
            Check("job lock free", True, "free" if lock is None else f"{lock.state} (counts as free)")
        )
    cutoff = calendar.cutoff_at(run_date)
    if past_cutoff(run_date, now):
        checks.append(
            Check(
                CUTOFF_CHECK,
                after_cutoff,
                f"the cutoff passed {duration((now - cutoff).total_seconds())} ago"
                + (
                    " (--after-cutoff given)"
                    if after_cutoff
                    else "; pass --after-cutoff only with finance's go-ahead"
                ),
            )
        )
    else:
        finish = now + START_ALLOWANCE + _estimate(facts)
        late = finish > cutoff
        checks.append(
            Check(
                "finishes before the cutoff",
                not late,
                f"estimated finish {finish.astimezone(calendar.NEW_YORK):%H:%M} ET vs cutoff 21:00 ET",
                blocking=False,
            )
        )
    return checks


def _estimate(facts: Facts) -> timedelta:
    finished = [r for r in facts.runs if r.finished_at]
    if finished:
        return max(finished[0].finished_at - finished[0].started_at, timedelta(minutes=1))
    return DEFAULT_RUN_ESTIMATE


@dataclass(frozen=True)
class TaskUpdate:
    """One observation of the followed task."""

    last_status: str
    exit_code: int | None = None
    stopped_reason: str | None = None
    counts: dict[str, int] | None = None
    run_status: str | None = None


def follow(
    ecs: EcsTasks,
    history: HistoryStore,
    task_arn: str,
    due_date: date,
    container: str,
    on_update: Callable[[TaskUpdate], None],
    timeout_s: float = 3 * 3600,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
    keep_watching: str = "floatctl status",
) -> int:
    """Poll until the task stops; return the app container's exit code (1 when it has none).
    `keep_watching`: the line the timeout's error names (jobs.oncall.commands.status)."""
    deadline = time.monotonic() + timeout_s
    last: TaskUpdate | None = None
    while True:
        tasks = ecs.describe([task_arn])
        if not tasks:
            raise DependencyError(f"task {task_arn} is not known to ECS any more")
        task = tasks[0]
        run = next((r for r in history.runs(due_date) if r.task_arn == task_arn), None)
        update = TaskUpdate(
            task.last_status,
            task.exit_code(container),
            task.stopped_reason,
            dict(run.counts) if run else None,
            run.status if run else None,
        )
        if update != last:
            on_update(update)
            last = update
        if update.last_status == "STOPPED":
            return update.exit_code if update.exit_code is not None else 1
        if time.monotonic() > deadline:
            raise DependencyError(
                f"task still {update.last_status} after {timeout_s / 60:.0f} min; keep watching with {keep_watching}"
            )
        sleep(poll_s)


@dataclass(frozen=True)
class LaunchPlan:
    """Everything a launch decides on before it starts anything: the facts, the guards, the request."""

    run_date: date
    facts: Facts
    checks: list[Check]
    request: dict[str, Any]
    operator: str
    after_cutoff: bool = False  # planned with --after-cutoff (finance agreed to a late launch)

    @property
    def late(self) -> bool:
        """Planned past the run date's 21:00 ET cutoff (jobs.oncall.policy.past_cutoff)."""
        return past_cutoff(self.run_date, self.facts.now)

    @property
    def failed(self) -> list[Check]:
        """The blocking guards that did not pass: any one refuses the launch."""
        return [c for c in self.checks if c.blocking and not c.ok]

    @property
    def warnings(self) -> list[Check]:
        """Guards that did not pass but only warn (e.g. the estimated finish is past the cutoff)."""
        return [c for c in self.checks if not c.blocking and not c.ok]

    def only_late_refused(self) -> bool:
        """Nothing refuses the launch but the cutoff (or nothing at all): the late numbers matter."""
        return all(c.name == CUTOFF_CHECK for c in self.failed)

    def refusal(self) -> RefusedError | None:
        """The error a refused launch ends with, or None when every blocking guard passed."""
        if not self.failed:
            return None
        first = self.failed[0]
        return RefusedError(
            f"launch refused: {first.name}: {first.detail}",
            hint=f"{commands.status(self.run_date, self.facts.env)} says what to do; nothing was started",
        )


def plan_launch(
    runtime: OncallRuntime, now: datetime, run_date: date | None, after_cutoff: bool, early: bool = False
) -> LaunchPlan:
    """Gather the facts, run the guards and build the RunTask request (starts nothing).

    `run_date` None means the night in question (jobs.oncall.diagnosis.night_in_question).
    """
    from jobs.oncall.facts import gather

    facts = gather(runtime, now, run_date)
    run_date = facts.focus_run_date
    checks = guard_checks(facts, run_date, now, after_cutoff, early)
    operator = runtime.operator()
    request = build_request(facts, runtime.settings, run_date, operator, attempt=len(facts.runs) + 1)
    return LaunchPlan(run_date, facts, checks, request, operator, after_cutoff)


def start_launch(
    runtime: OncallRuntime,
    plan: LaunchPlan,
    reason: str | None,
    shards: int = 1,
    approved_by: str | None = None,
    action: str = "launch",
) -> str:
    """Start the planned task (refused plans raise) and write the audit event; the (first) task ARN."""
    return start_launches(runtime, plan, reason, shards, approved_by, action)[0]


def start_launches(
    runtime: OncallRuntime,
    plan: LaunchPlan,
    reason: str | None,
    shards: int = 1,
    approved_by: str | None = None,
    action: str = "launch",
) -> list[str]:
    """Start the planned task, or one per shard, and write the audit event; the task ARNs.

    The policy is applied here, whatever the face: the guards, the reason (`action`'s rule, prod),
    and past the cutoff an `--after-cutoff` plan and, in prod, the approver.
    """
    from jobs import clock
    from jobs.adapters.audit import AuditEvent

    refusal = plan.refusal()
    if refusal is not None:
        raise refusal
    env = runtime.settings.env
    reason = policy.check_reason(env, action, reason) or "manual launch"
    late = past_cutoff(plan.run_date, clock.now())
    if late and not plan.after_cutoff:
        raise RefusedError(
            "launch refused: the 21:00 ET cutoff passed since the checks ran; nothing was started",
            hint=f"check again and launch with --after-cutoff only with finance's go-ahead: "
            f"{commands.status(plan.run_date, env)}",
        )
    approved_by = policy.check_approval(env, approved_by, late)
    with runtime.operator_span("launch", run_date=str(plan.run_date), shards=shards):
        ecs = runtime.ecs()
        task_arns = [ecs.run_task(request) for request in shard_requests(plan.request, shards)]
        runtime.audit().record(
            AuditEvent(
                actor=plan.operator,
                action="launch",
                target=f"day-before-ach run date {plan.run_date}",
                reason=reason,
                after={
                    "task_arns": task_arns,
                    "client_token": plan.request["clientToken"],
                    "shards": shards,
                    **({"approved_by": approved_by} if approved_by else {}),
                },
            )
        )
    return task_arns


def follow_launch(
    runtime: OncallRuntime,
    task_arn: str,
    run_date: date,
    on_update: Callable[[TaskUpdate], None],
    timeout_s: float = 3 * 3600,
    poll_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Follow a launched task of `run_date` to its app container's exit code."""
    return follow(
        runtime.ecs(),
        runtime.history(),
        task_arn,
        calendar.due_window(run_date).end,
        runtime.settings.app_container,
        on_update,
        timeout_s=timeout_s,
        poll_s=poll_s,
        sleep=sleep,
        keep_watching=commands.status(run_date, runtime.settings.env),
    )
