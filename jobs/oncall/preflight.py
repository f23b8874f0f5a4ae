"""Can this environment run tonight? Each check passes or fails with the fix; nothing is changed.

Write permissions are proved without writing (jobs.adapters.probes: conditional writes whose
condition cannot hold). Payments is asked with an invalid order, which it must refuse (422) without
creating a payment.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from jobs.adapters.probes import PROBE_KEY
from jobs.domain import calendar
from jobs.oncall import preflight_deploy
from jobs.oncall.checks import Check, guard
from jobs.oncall.ports import PreflightRuntime

FLOAT_COLUMNS = {"id", "user_id", "status", "amount_cents", "due_date", "updated_at"}


def run_checks(runtime: PreflightRuntime, now: datetime) -> list[Check]:
    """Every check, in the order a person fixes them."""
    checks: list[Check] = []
    for check in (_schedule, preflight_deploy.checks, _secrets_and_databases, _tables, _services):
        checks.extend(check(runtime))
    checks.extend(_tonight(now))
    return checks


def _schedule(runtime: PreflightRuntime) -> list[Check]:
    from jobs.errors import FloatctlError

    settings = runtime.settings
    try:
        schedule = runtime.schedule().read()
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
        target = schedule.task_definition_arn
        arns = runtime.ecs().active_revisions(settings.task_family)
        if not arns:
            return Check(
                "schedule targets the latest task definition",
                False,
                f"no ACTIVE revision of {settings.task_family}",
                "terraform apply (fargate_collections_jobs.tf)",
            )
        newest = arns[0]
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


def _secrets_and_databases(runtime: PreflightRuntime) -> list[Check]:
    from jobs.errors import FloatctlError

    settings = runtime.settings
    try:
        main, replica = runtime.secrets().databases(settings.main_secret, settings.replica_secret)
    except FloatctlError as exc:
        return [
            Check(
                "RDS secrets resolve",
                False,
                exc.message,
                f"check {settings.main_secret} and {settings.replica_secret} (JSON host, port, username, password, dbname)",
            )
        ]
    checks = [Check("RDS secrets resolve", True, f"{main.where()}; {replica.where()}")]
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
    from jobs.adapters.probes import floats_columns

    missing = FLOAT_COLUMNS - floats_columns(secret)
    return Check(
        f"{label} reachable with the floats schema",
        not missing,
        "columns ok" if not missing else f"floats lacks {', '.join(sorted(missing))}",
        "the floats table is not where the secret points: check its dbname",
    )


def _tables(runtime: PreflightRuntime) -> list[Check]:
    settings = runtime.settings
    probes = runtime.table_probes()

    def locks() -> Check:
        probes.locks(settings.locks_table)
        return Check("locks table: Query/Get/Put/Update/Delete", True, settings.locks_table)

    def history() -> Check:
        probes.history(settings.history_table)
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


def _services(runtime: PreflightRuntime) -> list[Check]:
    settings = runtime.settings
    http = runtime.probe_http()

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
