"""Stop a running batch through its drain: ECS StopTask, audited, then wait for INTERRUPTED.

StopTask is `docker stop`: "When StopTask is called on a task, the equivalent of docker stop is issued
to the containers running in the task. This results in a SIGTERM value and a default 30-second
timeout, after which the SIGKILL value is sent and the containers are forcibly stopped. If the
container handles the SIGTERM value gracefully and exits within 30 seconds from receiving it, no
SIGKILL value is sent." (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_StopTask.html)
and the task definition's `stopTimeout` is the "Time duration (in seconds) to wait before the
container is forcefully killed if it doesn't exit normally on its own" (Fargate: default 30 s, at
most 120 s; https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html).
The run's SIGTERM drain (docs/architecture.md, "Stopping") writes INTERRUPTED within 12 + 10 s, under
the 45 s the task definition allows; a run record still RUNNING after the task stopped means the
SIGKILL came first, and `stop` says so.

The sandbox's local Fargate (moto's ECS, wrapped) is more lenient than ECS: its StopTask sends
SIGTERM to the local process at once and never follows with a SIGKILL, so a drain that overran the
stopTimeout would still finish there; the 12 + 10 s bound is what keeps it inside 45 s on AWS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from jobs.domain import calendar
from jobs.domain.records import RunRecord
from jobs.errors import DependencyError, RefusedError
from jobs.oncall import commands
from jobs.oncall.policy import past_cutoff
from jobs.oncall.ports import OncallRuntime

STOP_REASON_MAX = 255  # StopTask's `reason`: "Up to 255 characters are allowed in this message."
FINISHED_STATUSES = ("SUCCEEDED", "FAILED", "INTERRUPTED")
DRAINED, FINISHED, KILLED = "drained", "finished", "killed"  # how a stop ended (StopResult.outcome)


@dataclass(frozen=True)
class StopPlan:
    """What a stop would end: the run date, its latest run record and the family's running tasks."""

    run_date: date
    run: RunRecord | None
    task_arns: list[str]
    operator: str
    env: str = "sandbox"

    def refusal(self) -> RefusedError | None:
        """Why nothing can be stopped, or None."""
        if not self.task_arns:
            state = f"run {self.run.run_id} is {self.run.status}" if self.run else "no run is recorded"
            return RefusedError(
                f"stop refused: no task of the family is running ({state} for run date {self.run_date})",
                hint=f"{commands.status(self.run_date, self.env)} shows what runs; nothing was stopped",
            )
        return None


@dataclass(frozen=True)
class StopResult:
    """How the stop ended: each task's exit code and the run record's final status."""

    task_arns: list[str]
    exit_codes: dict[str, int | None]
    run_id: str | None
    run_status: str | None
    counts: dict[str, int]

    @property
    def drained(self) -> bool:
        """True when the run record was written INTERRUPTED (the drain ran to its end)."""
        return self.run_status == "INTERRUPTED"

    @property
    def outcome(self) -> str:
        """drained (INTERRUPTED), finished (it ended SUCCEEDED or FAILED on its own before the SIGTERM
        took effect), or killed (the record stayed RUNNING, or none was written: SIGKILL came first)."""
        if self.drained:
            return DRAINED
        return FINISHED if self.run_status in ("SUCCEEDED", "FAILED") else KILLED

    @property
    def ok(self) -> bool:
        """The run ended in a state its record says: `stop` exits 0; only a killed run exits 1."""
        return self.outcome != KILLED

    def sentence(self, plan: StopPlan, now: datetime) -> str:
        """What happened, for people, with the exact relaunch line where one is due."""
        counts = ", ".join(f"{k}={v}" for k, v in sorted(self.counts.items())) or "no counts"
        relaunch = commands.recover(plan.run_date, plan.env, late=past_cutoff(plan.run_date, now))
        if self.outcome == DRAINED:
            return f"run {self.run_id} INTERRUPTED ({counts}); relaunch later with {relaunch}"
        if self.outcome == FINISHED:
            text = (
                f"run {self.run_id} ended {self.run_status} on its own before the stop took effect ({counts})"
            )
            if self.run_status == "FAILED":
                text += f"; a relaunch retries its FAILED floats: {relaunch}"
            return text + "; nothing was interrupted"
        return (
            f"the tasks stopped but run {self.run_id or '(none recorded)'} says {self.run_status}: the drain "
            f"did not finish (killed?); check {commands.floatctl(plan.env, 'locks', 'list')} and "
            f"{commands.status(plan.run_date, plan.env)} before a relaunch"
        )


def plan_stop(runtime: OncallRuntime, now: datetime, run_date: date | None = None) -> StopPlan:
    """Find the running tasks of the family and the run they belong to (stops nothing). Without
    `run_date`, a task's `business-date` tag (every manual launch carries one) names its run date;
    a scheduled task's is the last fire's."""
    from jobs.oncall.facts import gather

    facts = gather(runtime, now, run_date)
    tagged = {t.tags.get("business-date") for t in facts.running_tasks} - {None}
    if run_date is None and len(tagged) == 1:
        tagged_date = date.fromisoformat(tagged.pop())
        if tagged_date != facts.focus_run_date:
            facts = gather(runtime, now, tagged_date)
    run = facts.latest_run
    arns = [t.task_arn for t in facts.running_tasks]
    if run is not None and run.status == "RUNNING" and run.task_arn in arns:
        arns = [run.task_arn, *(a for a in arns if a != run.task_arn)]
    return StopPlan(facts.focus_run_date or facts.today, run, arns, runtime.operator(), facts.env)


def stop_tasks(runtime: OncallRuntime, plan: StopPlan, reason: str) -> list[str]:
    """Send StopTask (SIGTERM, then SIGKILL after stopTimeout) to every running task of the plan and
    write the audit event; the task ARNs stopped."""
    from jobs.adapters.audit import AuditEvent
    from jobs.oncall.policy import check_reason

    reason = check_reason(runtime.settings.env, "stop", reason) or ""
    refusal = plan.refusal()
    if refusal is not None:
        raise refusal
    ecs = runtime.ecs()
    message = f"floatctl stop by {plan.operator}: {reason}"[:STOP_REASON_MAX]
    with runtime.operator_span("stop", run_date=str(plan.run_date)):
        for arn in plan.task_arns:
            ecs.stop_task(arn, message)
        runtime.audit().record(
            AuditEvent(
                actor=plan.operator,
                action="stop",
                target=f"day-before-ach run date {plan.run_date}",
                reason=reason,
                before={
                    "run_id": plan.run.run_id if plan.run else None,
                    "run_status": plan.run.status if plan.run else None,
                    "task_arns": plan.task_arns,
                },
            )
        )
    return plan.task_arns


def wait_stopped(
    runtime: OncallRuntime,
    plan: StopPlan,
    timeout_s: float = 120.0,
    poll_s: float = 1.0,
    on_update: Callable[[str], None] = lambda line: None,
    sleep: Callable[[float], None] = time.sleep,
) -> StopResult:
    """Poll until every task is STOPPED and the run record left RUNNING (or the tasks stopped and the
    record stayed RUNNING: the SIGKILL came before the drain finished)."""
    ecs = runtime.ecs()
    history = runtime.history()
    due = calendar.due_window(plan.run_date).end
    deadline = time.monotonic() + timeout_s
    last_line = ""
    while True:
        tasks = ecs.describe(plan.task_arns)
        codes = {t.task_arn: t.exit_code(runtime.settings.app_container) for t in tasks}
        stopped = all(t.stopped for t in tasks)
        run = _run_of(history.runs(due), plan)
        line = f"tasks {'STOPPED' if stopped else 'stopping'}; run {run.status if run else 'not recorded'}"
        if line != last_line:
            on_update(line)
            last_line = line
        if stopped and (run is None or run.status in FINISHED_STATUSES or time.monotonic() > deadline):
            return StopResult(
                plan.task_arns,
                codes,
                run.run_id if run else None,
                run.status if run else None,
                dict(run.counts) if run else {},
            )
        if time.monotonic() > deadline:
            raise DependencyError(
                f"the tasks are still stopping after {timeout_s:.0f} s; "
                f"watch them with {commands.status(plan.run_date, plan.env)}"
            )
        sleep(poll_s)


def _run_of(runs: list[RunRecord], plan: StopPlan) -> RunRecord | None:
    """The stopped run's record: the one of the stopped task, else the one the plan saw."""
    for run in runs:
        if run.task_arn in plan.task_arns:
            return run
    wanted = plan.run.run_id if plan.run else None
    return next((r for r in runs if r.run_id == wanted), None)
