"""`floatctl watch day-before-ach`: is tonight's run there and on track to finish before 21:00 ET?

Run by its own schedule at 19:20 and 20:15 ET on fire days. It reads the same facts and the same
diagnosis as `recover`, projects the finish from the measured submit rate and the SUBMIT_ACH floats
left, and when the night is in trouble publishes one alert per night (claimed in DynamoDB first).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jobs.domain import calendar
from jobs.oncall import commands
from jobs.oncall import diagnosis as judge
from jobs.oncall.facts import Facts
from jobs.oncall.ports import OncallRuntime

if TYPE_CHECKING:
    from jobs.adapters.previews import PreviewStore

#: Why a troubled state pages, in the alert's words.
TROUBLE = {
    judge.FIRE_FAILED: "the 19:00 fire failed to start the task",
    judge.NEVER_FIRED: "the run never started",
    judge.DIED: "the run died",
    judge.INTERRUPTED: "the run was interrupted",
    judge.FAILED: "the run failed",
}


@dataclass(frozen=True)
class Projection:
    """When the night's submissions finish at the rate seen so far."""

    remaining: int  # SUBMIT_ACH floats not yet submitted
    remaining_cents: int
    rate_per_s: float
    measured: bool  # from the run's own submissions, else the configured rate
    finish_at: datetime
    cutoff_at: datetime

    @property
    def fits(self) -> bool:
        return self.finish_at <= self.cutoff_at

    def as_json(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "remaining_cents": self.remaining_cents,
            "rate_per_s": round(self.rate_per_s, 3),
            "measured": self.measured,
            "finish_at": self.finish_at.isoformat(),
            "cutoff_at": self.cutoff_at.isoformat(),
            "fits": self.fits,
        }


def project(facts: Facts, remaining: int, remaining_cents: int, configured_rate: float) -> Projection:
    """Finish = now + floats left / rate; the rate is the run's submissions per second since it started."""
    run = facts.latest_run
    now = facts.now
    done = (run.counts.get("SUBMITTED", 0) + run.counts.get("FAILED", 0)) if run else 0
    elapsed = (now - run.started_at).total_seconds() if run else 0.0
    measured = done > 0 and elapsed > 0
    rate = done / elapsed if measured else configured_rate
    finish = now + timedelta(seconds=remaining / rate if remaining else 0)
    return Projection(
        remaining, remaining_cents, rate, measured, finish, calendar.cutoff_at(facts.focus_run_date)
    )


@dataclass(frozen=True)
class WatchVerdict:
    """Whether the night pages, why, and the alert it would send."""

    run_date: date
    state: str
    page: bool
    why: str
    subject: str
    message: str
    projection: Projection | None

    def as_json(self) -> dict[str, Any]:
        return {
            "run_date": self.run_date.isoformat(),
            "state": self.state,
            "page": self.page,
            "why": self.why,
            "subject": self.subject,
            "message": self.message,
            "projection": self.projection.as_json() if self.projection else None,
        }


def needs_projection(facts: Facts, diagnosis: judge.Diagnosis) -> bool:
    """Only a business night that is running or in trouble needs the floats left counted."""
    business = calendar.is_business_day(facts.focus_run_date)
    return business and (diagnosis.state == judge.RUNNING or diagnosis.state in TROUBLE)


def assess(facts: Facts, diagnosis: judge.Diagnosis, projection: Projection | None) -> WatchVerdict:
    """The pure decision: page when the run died, failed, never started, or will not finish in time;
    stay silent on a healthy night, on a day that is not a business day (holiday, weekend), and on a
    night the schedule was paused for (a decision, not an incident: docs/runbooks/watch-page.md)."""
    run_date = facts.focus_run_date
    state = diagnosis.state
    if not calendar.is_business_day(run_date):
        why, page = f"{run_date:%a} {run_date} is not a business day: nothing to watch", False
    elif state == judge.PAUSED:
        why = f"the schedule is {facts.schedule.state} (paused on purpose): a decision, not an incident"
        page = False
    elif state in TROUBLE:
        why, page = TROUBLE[state], True
    elif state == judge.RUNNING and projection is not None and not projection.fits:
        finish = projection.finish_at.astimezone(calendar.NEW_YORK)
        why = f"the run is too slow: projected to finish {finish:%H:%M} ET, after the 21:00 ET cutoff"
        page = True
    else:
        why, page = f"healthy: {state}", False
    subject = f"floatctl watch {facts.env}: day-before-ach {run_date} {why}"
    return WatchVerdict(
        run_date, state, page, why, subject, _message(facts, diagnosis, projection, why), projection
    )


def _message(facts: Facts, diagnosis: judge.Diagnosis, projection: Projection | None, why: str) -> str:
    run_date = diagnosis.run_date
    lines = [f"day-before-ach {facts.env}, run date {run_date}: {why}.", "", diagnosis.advice, ""]
    if projection is not None:
        lines.append(
            f"At stake: {projection.remaining} floats, ${projection.remaining_cents / 100:,.2f} not yet submitted."
        )
        finish = projection.finish_at.astimezone(calendar.NEW_YORK)
        if diagnosis.state == judge.RUNNING:
            source = "measured" if projection.measured else "configured"
            lines.append(
                f"Projection: {projection.rate_per_s:.2f}/s ({source}) finishes {finish:%H:%M:%S} ET;"
                " cutoff 21:00 ET."
            )
        else:
            lines.append(
                f"A relaunch now at {projection.rate_per_s:.2f}/s would finish about {finish:%H:%M} ET"
                " (plus the task's start); cutoff 21:00 ET."
            )
    lines.append("")
    dry_run = commands.floatctl(facts.env, "recover", "day-before-ach", "--date", str(run_date), "--dry-run")
    lines.append(f"Recover: {dry_run}   (then without --dry-run)")
    if diagnosis.command:
        lines.append(f"Next: {diagnosis.command}")
    return "\n".join(lines)


def floats_left(runtime: OncallRuntime, run_date: date) -> tuple[int, int]:
    """(count, cents) of the window's floats the rules would still submit: SUBMIT_ACH now (those already
    SUBMITTED read SKIP_ALREADY_SUBMITTED); one whose inputs cannot be fetched counts as at stake."""
    from jobs.domain.evaluation import EvaluationError, evaluate
    from jobs.domain.model import SUBMIT_ACH

    settings = runtime.settings
    sources = runtime.sources()
    window = calendar.due_window(run_date)

    def left(row: Any) -> int:
        try:
            return int(evaluate(row, window, sources, settings.max_ach_attempts).verdict == SUBMIT_ACH)
        except EvaluationError:
            return 1

    count = cents = 0
    with ThreadPoolExecutor(max_workers=settings.preview_workers, thread_name_prefix="watch") as pool:
        for page in sources.floats.pages(window, settings.page_size, 0, 1):
            for row, at_stake in zip(page, pool.map(left, page), strict=True):
                count += at_stake
                cents += at_stake * max(row.amount_cents or 0, 0)
    return count, cents


@dataclass(frozen=True)
class WatchResult:
    verdict: WatchVerdict
    paged: bool
    message_id: str | None = None
    already_paged_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            **self.verdict.as_json(),
            "paged": self.paged,
            "message_id": self.message_id,
            "already_paged_at": self.already_paged_at,
        }


def watch(
    runtime: OncallRuntime,
    now: datetime,
    run_date: date | None = None,
    dry_run: bool = False,
    previews: PreviewStore | None = None,
) -> WatchResult:
    """Check the night; publish its one alert when it is in trouble and none was sent yet. With a
    preview store, finance hears too: the run's summary saying why, or that no run happened."""
    from jobs.oncall.facts import gather

    facts = gather(runtime, now, run_date)
    diagnosis = judge.diagnose(facts)
    projection = None
    if needs_projection(facts, diagnosis):
        count, cents = floats_left(runtime, facts.focus_run_date)
        projection = project(facts, count, cents, runtime.settings.payment_submit_rate)
    verdict = assess(facts, diagnosis, projection)
    if not verdict.page or dry_run:
        return WatchResult(verdict, paged=False)
    ledger = runtime.page_ledger()
    claim = ledger.claim(verdict.run_date, verdict.state)
    if claim is None:
        earlier = ledger.get(verdict.run_date)
        return WatchResult(verdict, paged=False, already_paged_at=earlier.paged_at if earlier else "?")
    try:
        message_id = runtime.alert_topic().publish(verdict.subject, verdict.message)
    except Exception:
        ledger.release(claim)  # the next watch of the night pages instead
        raise
    ledger.confirm(claim, message_id)
    if previews is not None:  # finance hears it too: the run's summary, or that no run happened
        from jobs.finance.summary import publish, publish_no_run

        why = f"the deadline watch paged on-call: {verdict.state}"
        if facts.latest_run is not None:
            publish(runtime, facts.latest_run, previews, why=why)
        else:
            publish_no_run(runtime, verdict.run_date, previews, why=why)
    return WatchResult(verdict, paged=True, message_id=message_id)
