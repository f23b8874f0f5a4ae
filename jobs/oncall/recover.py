"""One diagnosis of tonight's run and exactly one safe next action (DESIGN §6, issue 10).

Joins the schedule, the ECS tasks, the job lock and the run records (jobs.oncall.facts.gather):
never fired, fired and failed, interrupted, died while running, running now, or already succeeded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jobs.domain import calendar
from jobs.oncall.facts import FIRE_GRACE, Facts, gather

LAUNCH = "launch"
RELEASE_AND_LAUNCH = "release-orphaned-lock-and-launch"
WAIT = "wait"
NOTHING = "nothing"
TELL_FINANCE = "tell-finance"


@dataclass(frozen=True)
class Diagnosis:
    state: str
    explanation: str
    action: str
    facts: Facts
    run_date: date

    @property
    def acts(self) -> bool:
        return self.action in (LAUNCH, RELEASE_AND_LAUNCH)

    def as_json(self) -> dict[str, Any]:
        run = self.facts.latest_run
        lock = self.facts.job_lock
        return {
            "env": self.facts.env,
            "run_date": self.run_date.isoformat(),
            "state": self.state,
            "explanation": self.explanation,
            "action": self.action,
            "run": {"run_id": run.run_id, "status": run.status} if run else None,
            "job_lock": {"state": lock.state, "owner": lock.lease.owner, "rvn": lock.lease.rvn}
            if lock
            else None,
            "running_tasks": [t["task_arn"] for t in self.facts.running_tasks],
            "seconds_to_cutoff": round(self.facts.seconds_to_cutoff(self.run_date)),
        }


def diagnose(
    runtime: Any, now: datetime, run_date: date | None = None, after_cutoff: bool = False
) -> Diagnosis:
    """The state of `run_date`'s run (default: today in New York) and the one action to take."""
    run_date = run_date or calendar.today_in_new_york(now)
    facts = gather(runtime, now, run_date)
    run = facts.latest_run
    lock = facts.job_lock
    past_cutoff = now >= calendar.cutoff_at(run_date)

    def act(state: str, explanation: str, action: str) -> Diagnosis:
        if action in (LAUNCH, RELEASE_AND_LAUNCH) and past_cutoff and not after_cutoff:
            return Diagnosis(
                state,
                explanation + " The cutoff has passed: tell finance; relaunch only with --after-cutoff.",
                TELL_FINANCE,
                facts,
                run_date,
            )
        return Diagnosis(state, explanation, action, facts, run_date)

    if facts.running_tasks or (run and run.status == "RUNNING" and lock and lock.state == "live"):
        return act("running", "A run is in progress: let it finish.", WAIT)
    if run and run.status == "SUCCEEDED":
        return act("succeeded", f"Run {run.run_id} already SUCCEEDED for this due date.", NOTHING)
    if run is None and run_date.weekday() >= 5:
        return act(
            "no-fire",
            f"{run_date:%A}: the schedule does not fire on weekends (Friday's window covers them).",
            NOTHING,
        )
    if run is None and now < calendar.fire_at(run_date) + FIRE_GRACE:
        return act("not-yet-due", f"The {run_date} fire is at 19:00 ET and has not happened yet.", NOTHING)
    orphaned = lock is not None and lock.state == "orphaned"
    launch = RELEASE_AND_LAUNCH if orphaned else LAUNCH
    if run is None:
        return act(
            "never-fired", f"The {run_date} fire produced no run (the scheduler never retries).", launch
        )
    if run.status == "RUNNING":
        return act(
            "died",
            f"Run {run.run_id} says RUNNING but no task runs and the job lock is "
            f"{lock.state if lock else 'gone'}: it died.",
            launch,
        )
    if run.status == "INTERRUPTED":
        return act("interrupted", f"Run {run.run_id} was INTERRUPTED (stopped before it finished).", launch)
    return act(
        "failed", f"Run {run.run_id} ended {run.status}: some floats failed; a rerun retries them.", launch
    )


def perform(
    runtime: Any, diagnosis: Diagnosis, now: datetime, reason: str, after_cutoff: bool
) -> dict[str, Any]:
    """Carry out the diagnosed action (release the orphaned lock, then launch); audited as `recover`."""
    from jobs.adapters.audit import AuditEvent
    from jobs.oncall.launch import plan_launch, start_launch
    from jobs.oncall.locks import check_release, release_lock

    operator = runtime.operator()
    result: dict[str, Any] = {"action": diagnosis.action}
    # One trace for the whole recovery: the release and launch spans (and audit events) sit under it.
    with runtime.operator_span("recover", run_date=str(diagnosis.run_date), diagnosis=diagnosis.state):
        if diagnosis.action == RELEASE_AND_LAUNCH:
            lease = diagnosis.facts.job_lock.lease
            view = check_release(runtime, lease.namespace, lease.lock_key, lease.rvn, False, now.timestamp())
            release_lock(runtime, view, f"recover: {reason}", operator, now.timestamp())
            result["released"] = f"{lease.namespace}/{lease.lock_key}"
        plan = plan_launch(runtime, now, diagnosis.run_date, after_cutoff)
        result["task_arn"] = start_launch(runtime, plan, f"recover: {reason}")
        runtime.audit().record(
            AuditEvent(
                actor=operator,
                action="recover",
                target=f"day-before-ach run date {diagnosis.run_date}",
                reason=reason,
                before=diagnosis.as_json(),
                after=result,
            )
        )
    return result
