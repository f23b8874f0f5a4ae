"""The one diagnosis: which night, what state, what to do -- a table over every hour of five kinds of day,
in every environment.

Status (its document and advice), recover (its JSON) and launch (its guards) are all computed from the
same hand-built facts here, and must agree on every cell; the command they advise is the one to type
(the night's --date, --env outside the sandbox, and in prod the reason and, past the cutoff, the
approver the policy will ask for).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from jobs.domain import calendar
from jobs.domain.leases import Lease
from jobs.domain.records import RunRecord
from jobs.domain.schedule import FireFailure, Schedule
from jobs.oncall import diagnosis as d
from jobs.oncall.facts import failures_of_night, runs_of_night
from jobs.oncall.launch import guard_checks
from jobs.oncall.recover import Recovery
from jobs.oncall.status import status_document, status_fields
from tests.jobs.oncall.nights import SCHEDULE, facts_for, job_lock

NY = calendar.NEW_YORK
DAYS = {
    "weekday": date(2026, 11, 17),  # Tuesday
    "friday": date(2026, 11, 20),
    "weekend": date(2026, 11, 21),  # Saturday
    "holiday": date(2026, 11, 26),  # Thanksgiving (the schedule still fires)
    "after-holiday": date(2026, 11, 27),
}
SITUATIONS = ("none", "running", "died", "failed", "interrupted", "succeeded")
EXPECTED_STATE = {
    "running": d.RUNNING,
    "died": d.DIED,
    "failed": d.FAILED,
    "interrupted": d.INTERRUPTED,
    "succeeded": d.SUCCEEDED,
}


ENVS = ("sandbox", "test", "prod")


def cells():
    for env in ENVS:
        for kind, day in DAYS.items():
            for hour in range(24):
                for situation in SITUATIONS:
                    yield pytest.param(
                        env, kind, day, hour, situation, id=f"{env}-{kind}-{hour:02d}h-{situation}"
                    )


def assert_typeable(command: str, env: str, night: date, late: bool) -> None:
    """The advised line acts on `env` and `night`, and carries what the policy will ask for."""
    words = command.split()
    assert words[0] == "floatctl"
    if env == "sandbox":  # the default: a line without --env acts on the sandbox
        assert "--env" not in words
    else:
        assert words[1:3] == ["--env", env], command  # a prod page's line copied acts on prod
    assert f"--date {night.isoformat()}" in command
    if "status" in words[1:4]:
        return
    assert ('--reason "<why>"' in command) == (env == "prod")
    assert ('--approved-by "<name>"' in command) == (env == "prod" and late)
    assert "--after-cutoff" in words or not late


@pytest.mark.parametrize(("env", "kind", "day", "hour", "situation"), list(cells()))
def test_status_recover_and_launch_agree(env, kind, day, hour, situation):
    now = datetime(day.year, day.month, day.day, hour, 0, tzinfo=NY)
    night = d.night_in_question(now, SCHEDULE)
    assert night <= day and night.weekday() < 5
    assert d.fire_time(night, SCHEDULE) <= now  # the night in question has fired
    facts = facts_for(now, night, situation)
    facts.env = env

    document = status_document(facts)
    recovery = Recovery(d.diagnose(facts), facts).as_json()
    fields = dict(status_fields(facts, document))
    for key in ("run_date", "state", "action", "command", "advice"):
        assert document["diagnosis"][key] == recovery[key], key
    assert document["run_date"] == recovery["run_date"] == night.isoformat()
    assert document["advice"] == recovery["advice"]
    assert fields["its fire"] == f"{night:%a} {night.isoformat()} 19:00:00 EST"

    state, action, command = recovery["state"], recovery["action"], recovery["command"]
    if situation in EXPECTED_STATE:
        assert state == EXPECTED_STATE[situation]
    elif calendar.is_business_day(night):
        assert state in (d.STARTING, d.NEVER_FIRED)
    else:
        assert state == d.HOLIDAY and action == d.NOTHING
    past_cutoff = now >= calendar.cutoff_at(night)
    if command is not None:
        assert command in recovery["advice"]
        assert_typeable(command, env, night, past_cutoff)
    late = d.diagnose(facts, after_cutoff=True)  # what recover --after-cutoff would run
    if late.command is not None:
        assert_typeable(late.command, env, night, past_cutoff)
    assert (action == d.TELL_FINANCE) == (past_cutoff and state in d.TROUBLED and state != d.HOLIDAY)
    if state == d.RUNNING or state == d.STARTING:
        env_flag = "" if env == "sandbox" else f"--env {env} "
        assert action == d.WAIT and command == f"floatctl {env_flag}status --date {night.isoformat()}"
    if state == d.SUCCEEDED:
        assert action == d.NOTHING and recovery["advice"].startswith("Nothing to do")

    blocking = [c for c in guard_checks(facts, night, now, after_cutoff=False) if c.blocking and not c.ok]
    if action in (d.LAUNCH, d.RELEASE_AND_LAUNCH):
        assert not blocking, blocking  # what recover would launch, launch lets through
    if state in (d.RUNNING, d.SUCCEEDED) or action == d.TELL_FINANCE:
        assert blocking


@pytest.mark.parametrize("kind", list(DAYS))
@pytest.mark.parametrize("hour", range(24))
def test_the_day_itself_before_and_after_its_fire(kind, hour):
    """`--date <that day>`: not due before 19:00, starting for five minutes, then never fired (or none)."""
    day = DAYS[kind]
    now = datetime(day.year, day.month, day.day, hour, 0, tzinfo=NY)
    diagnosis = d.diagnose(facts_for(now, day, "none"))
    if kind == "weekend":
        assert diagnosis.state == d.NO_FIRE and diagnosis.action == d.NOTHING
    elif kind == "holiday":
        assert diagnosis.state == d.HOLIDAY and "Thanksgiving" in diagnosis.explanation
        assert diagnosis.action == d.NOTHING
    elif hour < 19:
        assert (diagnosis.state, diagnosis.action, diagnosis.command) == (d.NOT_YET_DUE, d.NOTHING, None)
        assert "--early" in diagnosis.advice and "hours before the 21:00 ET cutoff" in diagnosis.advice
        early = d.diagnose(facts_for(now, day, "none"), early=True)
        assert early.action == d.LAUNCH and "--early" in early.command
    elif hour == 19:  # 19:00 sharp: inside the five minutes a task needs to write its record
        assert (diagnosis.state, diagnosis.action) == (d.STARTING, d.WAIT)
    else:
        assert diagnosis.state == d.NEVER_FIRED
        assert diagnosis.action == (d.LAUNCH if hour < 21 else d.TELL_FINANCE)


def test_0147_after_a_missed_fire_names_the_missed_night_everywhere():
    now = datetime(2026, 11, 18, 1, 47, tzinfo=NY)  # Wednesday 01:47; Tuesday's fire produced nothing
    night = d.night_in_question(now, SCHEDULE)
    assert night == date(2026, 11, 17)
    diagnosis = d.diagnose(facts_for(now, night, "none"))
    assert (diagnosis.state, diagnosis.action) == (d.NEVER_FIRED, d.TELL_FINANCE)
    assert diagnosis.command == "floatctl recover day-before-ach --date 2026-11-17 --after-cutoff --wait"
    assert "Tue 2026-11-17 fire" in diagnosis.advice
    late = d.diagnose(facts_for(now, night, "none"), after_cutoff=True)
    assert late.action == d.LAUNCH and late.run_date == night


def test_a_live_job_lock_alone_means_a_run_is_in_progress():
    now = datetime(2026, 11, 20, 19, 30, tzinfo=NY)
    facts = facts_for(now, date(2026, 11, 20), "none", job_locks=[job_lock("live", now)])
    assert d.in_progress(facts.running_tasks, facts.job_locks)
    assert d.diagnose(facts).state == d.RUNNING
    expired = facts_for(now, date(2026, 11, 20), "failed", job_locks=[job_lock("expired", now)])
    assert not d.in_progress([], expired.job_locks) and d.diagnose(expired).action == d.LAUNCH


def test_a_dead_letter_event_is_a_fire_that_failed_to_start():
    now = datetime(2026, 11, 20, 19, 30, tzinfo=NY)
    sent = datetime(2026, 11, 20, 19, 0, 2, tzinfo=NY)
    failure = FireFailure(sent, "AccessDeniedException", "not authorized to perform iam:PassRole")
    facts = facts_for(now, date(2026, 11, 20), "none", fire_failures=[failure])
    diagnosis = d.diagnose(facts)
    assert (diagnosis.state, diagnosis.action) == (d.FIRE_FAILED, d.LAUNCH)
    assert "AccessDeniedException: not authorized to perform iam:PassRole" in diagnosis.advice
    older = FireFailure(sent - timedelta(days=1), "X", "yesterday's")
    assert failures_of_night([older, failure], date(2026, 11, 20), SCHEDULE) == [failure]


def test_prod_commands_carry_a_reason_and_a_disabled_schedule_is_said_first():
    now = datetime(2026, 11, 20, 19, 30, tzinfo=NY)
    facts = facts_for(now, date(2026, 11, 20), "failed")
    facts.env = "prod"
    assert d.diagnose(facts).command == (
        'floatctl --env prod recover day-before-ach --date 2026-11-20 --reason "<why>" --wait'
    )
    late = facts_for(datetime(2026, 11, 20, 21, 30, tzinfo=NY), date(2026, 11, 20), "failed")
    late.env = "prod"
    assert d.diagnose(late).command == (
        "floatctl --env prod recover day-before-ach --date 2026-11-20 --after-cutoff "
        '--reason "<why>" --approved-by "<name>" --wait'
    )
    facts.schedule = Schedule("s", SCHEDULE.expression, SCHEDULE.timezone, "DISABLED", 0, {})
    assert d.diagnose(facts).advice.startswith("The schedule is DISABLED")


def test_the_nights_runs_exclude_other_run_dates_and_dry_runs():
    wed, thu = date(2026, 11, 25), date(2026, 11, 26)  # the holiday shares Wednesday's due date
    end = calendar.due_window(wed).end
    t = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    records = [
        RunRecord("wed", end, wed, t, status="SUCCEEDED"),
        RunRecord("thu", end, thu, t + timedelta(days=1), status="FAILED"),
        RunRecord("dry", end, thu, t + timedelta(days=1, hours=1), dry_run=True),
    ]
    assert [r.run_id for r in runs_of_night(records, thu)] == ["thu"]
    assert [r.run_id for r in runs_of_night(records, wed)] == ["wed"]


def test_launch_41_hours_early_is_refused_unless_early():
    now = datetime(2026, 11, 18, 2, 0, tzinfo=NY)  # Wednesday 02:00; Thursday's fire is 41 h away
    facts = facts_for(now, date(2026, 11, 19), "none")
    checks = {c.name: c for c in guard_checks(facts, date(2026, 11, 19), now, after_cutoff=False)}
    fire = checks["the run date's fire has passed"]
    assert not fire.ok and fire.blocking and "41 h ahead" in fire.detail and "--early" in fire.detail
    early = {c.name: c for c in guard_checks(facts, date(2026, 11, 19), now, False, early=True)}
    assert early["the run date's fire has passed"].ok


PAUSED_SCHEDULE = Schedule(
    SCHEDULE.name, SCHEDULE.expression, SCHEDULE.timezone, "DISABLED", SCHEDULE.retry_attempts, {}
)


@pytest.mark.parametrize(("env", "kind", "day", "hour", "situation"), list(cells()))
def test_a_paused_night_is_a_decision_and_every_face_says_so(env, kind, day, hour, situation):
    """`schedule pause`: a night without a run is `paused` (not never-fired); status and recover agree,
    nothing is launched by recover, and the two lines it names are the ones to type."""
    from jobs.oncall.watch import assess

    now = datetime(day.year, day.month, day.day, hour, 0, tzinfo=NY)
    night = d.night_in_question(now, SCHEDULE)
    facts = facts_for(now, night, situation)
    facts.env, facts.schedule = env, PAUSED_SCHEDULE
    document = status_document(facts)
    recovery = Recovery(d.diagnose(facts), facts).as_json()
    for key in ("state", "action", "command", "advice"):
        assert document["diagnosis"][key] == recovery[key], key
    state, advice = recovery["state"], recovery["advice"]
    if situation in EXPECTED_STATE:  # a run was launched by hand: judged as any run
        assert state == EXPECTED_STATE[situation]
        return
    if not calendar.is_business_day(night):
        assert state == d.HOLIDAY
        return
    assert (state, recovery["action"], recovery["command"]) == (d.PAUSED, d.NOTHING, None)
    assert "paused on purpose" in advice and "Nothing to do if that is meant" in advice
    env_flag = "" if env == "sandbox" else f"--env {env} "
    assert f'floatctl {env_flag}schedule resume --reason "<why>"' in advice
    launch = re.search(r"floatctl (?:--env \S+ )?launch day-before-ach .*? --wait", advice).group(0)
    assert launch.startswith(f"floatctl {env_flag}launch day-before-ach")
    assert_typeable(launch, env, night, now >= calendar.cutoff_at(night))
    assert not assess(facts, d.diagnose(facts), None).page  # a decision does not page


def test_a_paused_night_before_its_fire_says_it_will_not_run():
    now = datetime(2026, 11, 20, 15, 0, tzinfo=NY)
    facts = facts_for(now, date(2026, 11, 20), "none")
    facts.schedule = PAUSED_SCHEDULE
    diagnosis = d.diagnose(facts)
    assert diagnosis.state == d.PAUSED and "will not run" in diagnosis.explanation
    assert "resume it before the fire" in diagnosis.advice and "launch" not in diagnosis.advice


@pytest.mark.parametrize(
    ("members", "state", "owner_state"),
    [
        ((("dead", 30), ("alive", 30)), "live", "alive"),  # the creator ended; a sibling runs
        ((("dead", 30), ("unknown", 30)), "live", "unknown"),  # another host's lease still runs
        ((("dead", 30), ("dead", 30)), "orphaned", "dead"),
        ((("dead", 30), ("unknown", -5)), "expired", "unknown"),
        ((("alive", -5),), "expired", "alive"),  # alive, but its lease ran out
    ],
)
def test_a_job_lock_layout_is_judged_by_every_shard_in_it(members, state, owner_state):
    from types import SimpleNamespace

    from jobs.domain.leases import Member
    from jobs.oncall.lock_view import view_lock

    liveness = SimpleNamespace(describe=lambda task: task)  # the task names its own fate here
    t = 1_000_000.0
    shards = tuple(Member(i, f"r-{i}", task, t + left) for i, (task, left) in enumerate(members))
    lease = Lease(
        "job", "day-before-ach", "r-0", "dead", t - 60, t + 30, "rvn", shard_count=3, members=shards
    )
    view = view_lock(lease, liveness, t)
    assert (view.state, view.owner_state) == (state, owner_state)
    assert [m.member.index for m in view.members] == list(range(len(members)))
    now = datetime(2026, 11, 20, 19, 30, tzinfo=NY)  # a run record says RUNNING; no task is listed
    facts = facts_for(now, date(2026, 11, 20), "died")
    facts.job_locks = [view]
    assert d.diagnose(facts).state == (d.RUNNING if state == "live" else d.DIED)
