"""`floatctl preflight` against the sandbox: all green, then each check made to fail."""

from __future__ import annotations

import json

import pytest

FRIDAY_EVENING = "2026-11-20T19:31:00-05:00"


def _checks(cli):
    result = cli("-o", "json", "preflight")
    document = json.loads(result.stdout)
    return result.exit_code, {c["check"]: c for c in document["checks"]}


@pytest.fixture(autouse=True)
def friday(monkeypatch, sandbox):
    monkeypatch.setenv("FLOATCTL_NOW", FRIDAY_EVENING)


def test_all_checks_pass_in_the_sandbox(cli):
    code, checks = _checks(cli)
    assert code == 0 and all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    assert len(checks) == 13
    assert cli("preflight").exit_code == 0


@pytest.mark.parametrize(
    ("env", "failing", "fix"),
    [
        ({"FLOATCTL_SCHEDULE_NAME": "nope"}, "schedule exists", "terraform"),
        ({"FLOATCTL_MAIN_SECRET": "nope/main"}, "RDS secrets resolve", "nope/main"),
        ({"FLOATCTL_LOCKS_TABLE": "nope"}, "locks table: Query/Get/Put/Update/Delete", "nope"),
        ({"FLOATCTL_HISTORY_TABLE": "nope"}, "collection-history: Query (+ index)/Put", "nope"),
        ({"PAYMENTS_API_URL": "http://127.0.0.1:9"}, "Payments Service answers", "PAYMENTS_API_URL"),
        ({"USERS_API_URL": "http://127.0.0.1:9"}, "User Service answers", "USERS_API_URL"),
        ({"FLOATCTL_NOW": "2026-11-21T12:00:00-05:00"}, "today is a business day", "non-business"),
        ({"FLOATCTL_NOW": "2026-11-20T21:30:00-05:00"}, "the cutoff is ahead", "finance"),
    ],
)
def test_each_failing_check_says_what_to_fix(cli, monkeypatch, env, failing, fix):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    code, checks = _checks(cli)
    assert code == 1
    assert checks[failing]["ok"] is False and fix in (checks[failing]["fix"] + checks[failing]["detail"])


def test_disabled_schedule_stale_task_definition_and_wrong_schema(cli, app_context):
    aws = app_context.aws()
    scheduler, ecs, sm = aws.client("scheduler"), aws.client("ecs"), aws.client("secretsmanager")
    settings = app_context.settings
    schedule = scheduler.get_schedule(Name=settings.schedule_name)
    keep = {
        k: schedule[k]
        for k in ("ScheduleExpression", "ScheduleExpressionTimezone", "FlexibleTimeWindow", "Target")
    }
    task_def = ecs.describe_task_definition(taskDefinition=settings.task_family)["taskDefinition"]
    register = {
        k: task_def[k]
        for k in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "containerDefinitions")
    }
    replica = sm.get_secret_value(SecretId=settings.replica_secret)["SecretString"]
    newer = None
    try:
        scheduler.update_schedule(Name=settings.schedule_name, State="DISABLED", **keep)
        newer = ecs.register_task_definition(**register)["taskDefinition"]["taskDefinitionArn"]
        sm.put_secret_value(
            SecretId=settings.replica_secret,
            SecretString=json.dumps({**json.loads(replica), "dbname": "services"}),
        )
        code, checks = _checks(cli)
        assert code == 1
        assert not checks["schedule ENABLED"]["ok"]
        assert not checks["schedule targets the latest task definition"]["ok"]
        assert not checks["replica reachable with the floats schema"]["ok"]
        assert "lacks" in checks["replica reachable with the floats schema"]["detail"]
        assert checks["main reachable with the floats schema"]["ok"]
    finally:
        scheduler.update_schedule(Name=settings.schedule_name, State="ENABLED", **keep)
        if newer:
            ecs.deregister_task_definition(taskDefinition=newer)
        sm.put_secret_value(SecretId=settings.replica_secret, SecretString=replica)
    assert _checks(cli)[0] == 0


def test_calendar_commands(cli):
    explained = json.loads(cli("-o", "json", "calendar", "explain", "2026-11-25").stdout)
    assert explained["due_window"]["end"] == "2026-11-27"
    assert cli("calendar", "explain", "2026-11-31").exit_code == 2
    upcoming = json.loads(
        cli("-o", "json", "calendar", "next", "--count", "3", "--from", "2026-11-25").stdout
    )
    assert [u["run_date"] for u in upcoming] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert "Thanksgiving" in cli("calendar", "next", "--from", "2026-11-25").stdout
