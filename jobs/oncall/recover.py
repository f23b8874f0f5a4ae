"""`recover`: the night's facts, their one diagnosis (jobs.oncall.diagnosis), and the action performed.

The judgement is the same pure function `status`, `launch` and `watch` use; this module only gathers
the facts for it and carries out its action (release an orphaned job lock, then launch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jobs.oncall import diagnosis as judge
from jobs.oncall.facts import Facts, gather
from jobs.oncall.ports import OncallRuntime

LAUNCH = judge.LAUNCH
RELEASE_AND_LAUNCH = judge.RELEASE_AND_LAUNCH
WAIT = judge.WAIT
NOTHING = judge.NOTHING
TELL_FINANCE = judge.TELL_FINANCE


@dataclass(frozen=True)
class Recovery:
    """A diagnosis with the facts it was made from (what `recover` shows, and what `perform` acts on)."""

    diagnosis: judge.Diagnosis
    facts: Facts

    @property
    def state(self) -> str:
        return self.diagnosis.state

    @property
    def explanation(self) -> str:
        return self.diagnosis.explanation

    @property
    def action(self) -> str:
        return self.diagnosis.action

    @property
    def run_date(self) -> date:
        return self.diagnosis.run_date

    @property
    def acts(self) -> bool:
        return self.diagnosis.acts

    def as_json(self) -> dict[str, Any]:
        run = self.facts.latest_run
        lock = self.facts.job_lock
        failure = self.facts.fire_failure
        return {
            "env": self.facts.env,
            **self.diagnosis.as_json(),
            "run": {"run_id": run.run_id, "status": run.status} if run else None,
            "job_lock": {"state": lock.state, "owner": lock.lease.owner, "rvn": lock.lease.rvn}
            if lock
            else None,
            "running_tasks": [t.task_arn for t in self.facts.running_tasks],
            "fire_failure": failure.as_json() if failure else None,
        }


def diagnose(
    runtime: OncallRuntime,
    now: datetime,
    run_date: date | None = None,
    after_cutoff: bool = False,
    early: bool = False,
) -> Recovery:
    """Gather the night's facts (default: the night in question) and diagnose them (jobs.oncall.diagnosis)."""
    facts = gather(runtime, now, run_date)
    return Recovery(judge.diagnose(facts, after_cutoff=after_cutoff, early=early), facts)


def perform(
    runtime: OncallRuntime,
    diagnosis: Recovery,
    now: datetime,
    reason: str | None,
    after_cutoff: bool,
    early: bool = False,
    approved_by: str | None = None,
) -> dict[str, Any]:
    """Carry out the diagnosed action (release the orphaned lock, then launch); audited as `recover`.
    The policy (jobs.oncall.policy) is applied before anything changes."""
    from jobs.adapters.audit import AuditEvent
    from jobs.oncall.launch import plan_launch, start_launch
    from jobs.oncall.locks import check_release, release_lock
    from jobs.oncall.policy import check_approval, check_reason, past_cutoff

    env = runtime.settings.env
    reason = check_reason(env, "recover", reason) or "recover"
    check_approval(env, approved_by, past_cutoff(diagnosis.run_date, now))  # before the release, too
    operator = runtime.operator()
    result: dict[str, Any] = {"action": diagnosis.action}
    # One trace for the whole recovery: the release and launch spans (and audit events) sit under it.
    with runtime.operator_span("recover", run_date=str(diagnosis.run_date), diagnosis=diagnosis.state):
        if diagnosis.action == RELEASE_AND_LAUNCH:
            lease = next(lk for lk in diagnosis.facts.job_locks if lk.state == "orphaned").lease
            view = check_release(runtime, lease.namespace, lease.lock_key, lease.rvn, False, now.timestamp())
            release_lock(runtime, view, f"recover: {reason}", operator, now.timestamp())
            result["released"] = f"{lease.namespace}/{lease.lock_key}"
        plan = plan_launch(runtime, now, diagnosis.run_date, after_cutoff, early)
        result["task_arn"] = start_launch(
            runtime, plan, f"recover: {reason}", approved_by=approved_by, action="recover"
        )
        if approved_by:
            result["approved_by"] = approved_by
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
