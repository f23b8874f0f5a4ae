"""`floatctl schedule pause|resume`: the schedule keeps every other field, both are audited, and
`status` says loudly that the schedule is paused (and, on the day, that it was resumed)."""

from __future__ import annotations

import json

import pytest

from tests import scenarios


@pytest.fixture
def scheduler(app_context):
    """The sandbox's Scheduler client; the schedule is ENABLED again after the test, whatever happened."""
    from jobs.adapters.scheduler import update_request

    client = app_context.runtime().aws.client("scheduler")
    settings = app_context.settings
    yield client
    current = client.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)
    if current["State"] != "ENABLED":
        client.update_schedule(**update_request(current, "ENABLED"))


def _schedule(client, settings) -> dict:
    data = client.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)
    return {
        k: data.get(k)
        for k in ("State", "ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "Target")
    }


def test_pause_and_resume_keep_the_schedule_and_are_audited(cli, load, scheduler, app_context):
    load(scenarios.mixed(2, seed=51))
    settings = app_context.settings
    before = _schedule(scheduler, settings)
    assert before["State"] == "ENABLED"

    dry = cli("schedule", "pause", "--dry-run")
    assert (
        dry.exit_code == 0
        and "would set schedule sandbox-floats-day-before-ach from ENABLED to DISABLED" in dry.stdout
    )
    assert _schedule(scheduler, settings) == before  # a dry run changes nothing

    paused = cli("schedule", "pause", "--reason", "partner outage: hold tonight", "--yes")
    assert paused.exit_code == 0, paused.stderr
    assert "PAUSED (ENABLED -> DISABLED)" in paused.stderr
    after = _schedule(scheduler, settings)
    assert after == before | {"State": "DISABLED"}  # the retry policy, DLQ, network: all passed back
    assert after["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    assert after["Target"]["DeadLetterConfig"]["Arn"].endswith("-dlq")

    status = json.loads(cli("-o", "json", "status").stdout)
    notice = status["schedule_notice"]
    assert notice["paused"] is True and notice["reason"] == "partner outage: hold tonight"
    assert notice["text"].startswith("SCHEDULE PAUSED (DISABLED) since ")
    table = cli("status")
    assert "SCHEDULE PAUSED" in table.stderr and "partner outage" in table.stderr

    again = cli("schedule", "pause", "--reason", "twice", "--yes")
    assert again.exit_code == 0 and "already DISABLED; nothing changed" in again.stderr

    resumed = cli("schedule", "resume", "--reason", "partner back", "--yes")
    assert resumed.exit_code == 0, resumed.stderr
    assert _schedule(scheduler, settings) == before
    notice = json.loads(cli("-o", "json", "status").stdout)["schedule_notice"]
    assert notice["paused"] is False and notice["text"].startswith("Schedule resumed ")
    assert "partner back" in notice["text"]

    audit = json.loads(cli("-o", "json", "history", "--audit").stdout)["audit"]
    changes = [
        (a["action"], a["reason"], a["before"], a["after"])
        for a in audit
        if a["action"].startswith("schedule.")
    ]
    assert changes == [  # newest first; the no-op pause wrote nothing
        ("schedule.resume", "partner back", {"state": "DISABLED"}, {"state": "ENABLED"}),
        ("schedule.pause", "partner outage: hold tonight", {"state": "ENABLED"}, {"state": "DISABLED"}),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("schedule", "pause", "--yes"), "--reason is required"),
        (("schedule", "resume", "--reason", "  ", "--yes"), "--reason is required"),
    ],
)
def test_a_change_without_a_reason_is_a_usage_error(cli, sandbox, args, message):
    result = cli(*args)
    assert result.exit_code == 2 and result.stderr.startswith("error: ") and message in result.stderr


def test_without_a_terminal_or_yes_nothing_changes(cli, sandbox, scheduler, app_context):
    result = cli("schedule", "pause", "--reason", "no tty")
    assert result.exit_code == 4 and "needs confirmation" in result.stderr
    assert _schedule(scheduler, app_context.settings)["State"] == "ENABLED"
