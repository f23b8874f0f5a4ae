"""`floatctl preflight` against the sandbox: all green, then each check made to fail."""

from __future__ import annotations

import json

import pytest


def _checks(cli):
    result = cli("-o", "json", "preflight")
    document = json.loads(result.stdout)
    return result.exit_code, {c["check"]: c for c in document["checks"]}


pytestmark = pytest.mark.usefixtures("sandbox", "at_1931")


def test_all_checks_pass_in_the_sandbox(cli):
    code, checks = _checks(cli)
    assert code == 0 and all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    assert len(checks) == 17
    assert checks["app image exists in ECR"]["skipped"] is False
    # moto has no iam:SimulatePrincipalPolicy: the role checks say so instead of passing.
    for role in ("task role may read the stores and call the services", "scheduler role may start the task"):
        assert checks[role]["skipped"] is True and "cannot simulate" in checks[role]["detail"]
    assert checks["scheduler dead-letter queue is empty"]["detail"].endswith(": 0 messages")
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
    code, checks = _checks(cli)
    assert code == 0, [c for c in checks.values() if not c["ok"]]


def test_calendar_commands(cli):
    explained = json.loads(cli("-o", "json", "calendar", "explain", "2026-11-25").stdout)
    assert explained["due_window"]["end"] == "2026-11-27"
    assert cli("calendar", "explain", "2026-11-31").exit_code == 2
    upcoming = json.loads(
        cli("-o", "json", "calendar", "next", "--count", "3", "--from", "2026-11-25").stdout
    )
    assert [u["run_date"] for u in upcoming] == ["2026-11-25", "2026-11-26", "2026-11-27"]
    assert "Thanksgiving" in cli("calendar", "next", "--from", "2026-11-25").stdout


def test_a_missing_image_and_a_waiting_dlq_message_fail(cli, app_context):
    from floatctl_sandbox.provision import APP_REPOSITORY, APP_TAG

    aws = app_context.aws()
    ecr, sqs, scheduler = aws.client("ecr"), aws.client("sqs"), aws.client("scheduler")
    settings = app_context.settings
    (image,) = ecr.batch_get_image(repositoryName=APP_REPOSITORY, imageIds=[{"imageTag": APP_TAG}])["images"]
    dlq = scheduler.get_schedule(Name=settings.schedule_name)["Target"]["DeadLetterConfig"]["Arn"]
    url = sqs.get_queue_url(QueueName=dlq.rsplit(":", 1)[-1])["QueueUrl"]
    try:
        ecr.batch_delete_image(repositoryName=APP_REPOSITORY, imageIds=[{"imageTag": APP_TAG}])
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"failed": "fire"}))
        code, checks = _checks(cli)
        assert code == 1
        image_check = checks["app image exists in ECR"]
        assert not image_check["ok"] and "push the image" in image_check["fix"]
        dlq_check = checks["scheduler dead-letter queue is empty"]
        assert not dlq_check["ok"] and dlq_check["detail"].endswith(": 1 message")
        assert "preflight:" in cli("preflight").stdout
    finally:
        ecr.put_image(repositoryName=APP_REPOSITORY, imageManifest=image["imageManifest"], imageTag=APP_TAG)
        sqs.purge_queue(QueueUrl=url)
    assert _checks(cli)[0] == 0
