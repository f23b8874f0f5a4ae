"""Can this environment run tonight? Each check passes or fails with the fix; nothing is changed.

Write permissions are proved without writing: a conditional PutItem/UpdateItem/DeleteItem whose
condition cannot hold fails with ConditionalCheckFailed only if the action itself is allowed.
Payments is asked with an invalid order, which it must refuse (422) without creating a payment.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from jobs.domain import calendar
from jobs.oncall import preflight_deploy
from jobs.oncall.checks import Check, code_of, guard

FLOAT_COLUMNS = {"id", "user_id", "status", "amount_cents", "due_date", "updated_at"}
PROBE_KEY = "floatctl-preflight-probe"


def run_checks(runtime: Any, now: datetime) -> list[Check]:
    """Every check, in the order a person fixes them."""
    checks: list[Check] = []
    for check in (_schedule, preflight_deploy.checks, _secrets_and_databases, _tables, _services):
        checks.extend(check(runtime))
    checks.extend(_tonight(now))
    return checks


def _schedule(runtime: Any) -> list[Check]:
    from jobs.adapters.scheduler import load_schedule
    from jobs.errors import FloatctlError

    settings = runtime.settings
    try:
        schedule = load_schedule(
            runtime.aws.client("scheduler"), settings.schedule_name, settings.schedule_group
        )
    except FloatctlError as exc:
        return [
            Check(
                "schedule exists",
                False,
                exc.message,
                "terraform apply (fargate_collections_jobs_schedule.tf)",
            )
        ]
    checks = [
        Check("schedule exists", True, f"{schedule.name}: {schedule.expression} {schedule.timezone}"),
        Check(
            "schedule ENABLED",
            schedule.state == "ENABLED",
            f"state {schedule.state}",
            f"enable it: aws scheduler update-schedule --name {schedule.name} … --state ENABLED (or terraform apply)",
        ),
        Check(
            "schedule retries 0",
            schedule.retry_attempts == 0,
            f"maximum_retry_attempts = {schedule.retry_attempts}",
            "set retry_policy.maximum_retry_attempts = 0: a retried fire can launch twice",
        ),
    ]

    def latest() -> Check:
        target = (schedule.target.get("EcsParameters") or {}).get("TaskDefinitionArn", "")
        arns = runtime.aws.client("ecs").list_task_definitions(
            familyPrefix=settings.task_family, status="ACTIVE"
        )["taskDefinitionArns"]
        if not arns:
            return Check(
                "schedule targets the latest task definition",
                False,
                f"no ACTIVE revision of {settings.task_family}",
                "terraform apply (fargate_collections_jobs.tf)",
            )
        newest = max(arns, key=lambda arn: int(arn.rsplit(":", 1)[-1]))
        revision_given = target.rsplit(":", 1)[-1].isdigit()
        ok = target == newest or (not revision_given and target.endswith(f"/{settings.task_family}"))
        return Check(
            "schedule targets the latest task definition",
            ok,
            f"targets {target.rsplit('/', 1)[-1]}, latest ACTIVE is {newest.rsplit('/', 1)[-1]}",
            "terraform apply so the schedule's ecs_parameters point at the new revision",
        )

    checks.append(
        guard("schedule targets the latest task definition", "check ecs:ListTaskDefinitions access", latest)
    )
    return checks


def _secrets_and_databases(runtime: Any) -> list[Check]:
    from jobs.adapters.postgres import load_secrets
    from jobs.errors import FloatctlError

    settings = runtime.settings
    try:
        main, replica = load_secrets(
            runtime.aws.client("secretsmanager"), settings.main_secret, settings.replica_secret
        )
    except FloatctlError as exc:
        return [
            Check(
                "RDS secrets resolve",
                False,
                exc.message,
                f"check {settings.main_secret} and {settings.replica_secret} (JSON host, port, username, password, dbname)",
            )
        ]
    checks = [Check("RDS secrets resolve", True, f"{main!r}, {replica!r}")]
    for label, secret in (("replica", replica), ("main", main)):
        checks.append(
            guard(
                f"{label} reachable with the floats schema",
                f"check the network path and {secret.name}",
                lambda s=secret, lb=label: _schema(lb, s),
            )
        )
    return checks


def _schema(label: str, secret: Any) -> Check:
    import psycopg

    from jobs.adapters import sql

    with psycopg.connect(secret.conninfo()) as conn:
        columns = {r[0] for r in conn.execute(sql.FLOATS_COLUMNS)}
    missing = FLOAT_COLUMNS - columns
    return Check(
        f"{label} reachable with the floats schema",
        not missing,
        "columns ok" if not missing else f"floats lacks {', '.join(sorted(missing))}",
        "the floats table is not where the secret points: check its dbname",
    )


def _tables(runtime: Any) -> list[Check]:
    settings = runtime.settings
    ddb = runtime.aws.client("dynamodb")
    probe = {"S": PROBE_KEY}

    def conditional(call: Callable[..., Any], **kwargs: Any) -> str:
        try:
            call(**kwargs)
        except Exception as exc:
            if code_of(exc) == "ConditionalCheckFailedException":
                return "allowed"
            raise
        return "allowed"

    def locks() -> Check:
        key = {"namespace": probe, "lock_key": probe}
        ddb.query(
            TableName=settings.locks_table,
            KeyConditionExpression="#n = :n",
            ExpressionAttributeNames={"#n": "namespace"},
            ExpressionAttributeValues={":n": probe},
            Limit=1,
        )
        ddb.get_item(TableName=settings.locks_table, Key=key)
        never = {"ConditionExpression": "attribute_exists(lock_key) AND attribute_not_exists(lock_key)"}
        conditional(ddb.put_item, TableName=settings.locks_table, Item=key, **never)
        conditional(
            ddb.update_item,
            TableName=settings.locks_table,
            Key=key,
            UpdateExpression="SET probe = :p",
            ExpressionAttributeValues={":p": probe},
            **never,
        )
        conditional(ddb.delete_item, TableName=settings.locks_table, Key=key, **never)
        return Check("locks table: Query/Get/Put/Update/Delete", True, settings.locks_table)

    def history() -> Check:
        ddb.query(
            TableName=settings.history_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": probe},
            Limit=1,
        )
        ddb.query(
            TableName=settings.history_table,
            IndexName="by_run_id",
            KeyConditionExpression="run_id = :r",
            ExpressionAttributeValues={":r": probe},
            Limit=1,
        )
        conditional(
            ddb.put_item,
            TableName=settings.history_table,
            Item={"pk": probe, "sk": probe},
            ConditionExpression="attribute_exists(pk) AND attribute_not_exists(pk)",
        )
        return Check("collection-history: Query (+ index)/Put", True, settings.history_table)

    return [
        guard(
            "locks table: Query/Get/Put/Update/Delete",
            f"check {settings.locks_table} and the task role",
            locks,
        ),
        guard(
            "collection-history: Query (+ index)/Put",
            f"check {settings.history_table} and the task role",
            history,
        ),
    ]


def _services(runtime: Any) -> list[Check]:
    from jobs.adapters.services import RetryPolicy, SignedHttp

    settings = runtime.settings
    http = SignedHttp(runtime.aws.credentials, settings.region, RetryPolicy(attempts=1, read_timeout_s=5))

    def users() -> Check:
        if not settings.users_api_url:
            return Check("User Service answers", False, "USERS_API_URL is not set", "set USERS_API_URL")
        response = http.request("GET", f"{settings.users_api_url.rstrip('/')}/v1/users/0/debit-cards")
        ok = response.status in (200, 404)
        return Check(
            "User Service answers",
            ok,
            f"HTTP {response.status}",
            "403: the task role lacks execute-api:Invoke; 5xx: the service is down",
        )

    def payments() -> Check:
        if not settings.payments_api_url:
            return Check(
                "Payments Service answers", False, "PAYMENTS_API_URL is not set", "set PAYMENTS_API_URL"
            )
        response = http.request(
            "POST",
            f"{settings.payments_api_url.rstrip('/')}/v1/ach/next-day",
            body=json.dumps({"probe": True}).encode(),
            headers={"Idempotency-Key": PROBE_KEY},
        )
        return Check(
            "Payments Service answers",
            response.status in (400, 422),
            f"HTTP {response.status} to an invalid order",
            "403: the task role lacks execute-api:Invoke; 5xx: the service is down",
        )

    return [
        guard("User Service answers", "check USERS_API_URL and the network", users),
        guard("Payments Service answers", "check PAYMENTS_API_URL and the network", payments),
    ]


def _tonight(now: datetime) -> list[Check]:
    today = calendar.today_in_new_york(now)
    business = calendar.is_business_day(today)
    holiday = calendar.holiday_name(today)
    cutoff = calendar.cutoff_at(today)
    return [
        Check(
            "today is a business day",
            business,
            f"{today} {today:%A}" + (f" ({holiday})" if holiday else ""),
            "no action needed on a non-business day: the run finds nothing new",
        ),
        Check(
            "the cutoff is ahead",
            now < cutoff,
            f"21:00 ET cutoff at {cutoff.isoformat()}",
            "past the cutoff: submissions settle a day late; talk to finance before any launch",
        ),
    ]
