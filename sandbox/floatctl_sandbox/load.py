"""Replace all sandbox data with a scenario: floats in main and replica, cards, payments, history, locks.

All or nothing: every row and item is built (and so checked) before any store is touched; Postgres
commits only after DynamoDB took every item, and a DynamoDB failure puts the tables back as they were.
"""

from __future__ import annotations

import json
from typing import Any

from floatctl_sandbox.control import Sandbox
from floatctl_sandbox.scenario import Scenario, ScenarioError
from jobs.adapters import dynamo
from jobs.adapters.locks import Lease, new_rvn
from jobs.domain.calendar import due_window
from jobs.domain.keys import idempotency_key
from jobs.domain.records import FloatEvent, RunRecord
from jobs.settings import Settings

FLOAT_INSERT = "INSERT INTO floats (id, user_id, status, amount_cents, due_date) VALUES (%s, %s, %s, %s, %s)"
CARD_INSERT = (
    "INSERT INTO debit_cards (card_id, user_id, last4, is_primary, status, exp_month, exp_year)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
# The outcomes that speak about a Payments order, so carry its idempotency key.
ACH_OUTCOMES = ("ACH_PENDING", "SUBMITTED", "FAILED", "ACH_FOUND", "ACH_RETURNED", "ACH_NOT_FOUND")
PAYMENT_INSERT = (
    "INSERT INTO payments (payment_id, idempotency_key, float_id, user_id, amount_cents, effective_date,"
    " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING"
)


def apply_scenario(
    sandbox: Sandbox, settings: Settings, clients: Any, scenario: Scenario, now: float
) -> None:
    """Load `scenario`, or refuse it (ScenarioError) leaving every store as it was."""
    import psycopg

    items = _dynamodb_items(settings, scenario, now)  # raises before anything is written
    ddb = clients.client("dynamodb")
    try:
        with (
            psycopg.connect(sandbox.dsn("main")) as main,
            psycopg.connect(sandbox.dsn("replica")) as replica,
            psycopg.connect(sandbox.dsn("services")) as services,
        ):
            _write_postgres(scenario, main, replica, services)
            _replace_dynamodb(ddb, settings, items)
            _replace_dead_letters(settings, clients, scenario)
    except psycopg.Error as exc:
        message = exc.diag.message_primary if getattr(exc, "diag", None) else None
        raise ScenarioError(
            f"the scenario was refused by Postgres: {message or type(exc).__name__}"
        ) from None


def _write_postgres(scenario: Scenario, main: Any, replica: Any, services: Any) -> None:
    for conn, use_replica in ((main, False), (replica, True)):
        conn.execute("TRUNCATE floats")
        rows = []
        for f in scenario.floats:
            cols = {
                "user_id": f.user_id,
                "status": f.status,
                "amount_cents": f.amount_cents,
                "due_date": f.due_date,
            }
            if use_replica and f.replica:
                cols.update(f.replica)
            rows.append((f.id, cols["user_id"], cols["status"], cols["amount_cents"], cols["due_date"]))
        with conn.cursor() as cur:
            cur.executemany(FLOAT_INSERT, rows)
    services.execute("TRUNCATE debit_cards, payments, payment_requests")
    with services.cursor() as cur:
        cur.executemany(
            CARD_INSERT,
            [
                (c.card_id, c.user_id, c.last4, c.is_primary, c.status, c.exp_month, c.exp_year)
                for c in scenario.cards
            ],
        )
        # A SUBMITTED event stands for a payment Payments really holds.
        cur.executemany(
            PAYMENT_INSERT,
            [
                (
                    _payment_id(h),
                    h.idempotency_key or idempotency_key(h.float_id, h.due_date),
                    h.float_id,
                    h.user_id or 0,
                    h.amount_cents or 0,
                    h.due_date,
                    h.event_at,
                )
                for h in scenario.history
                if h.outcome == "SUBMITTED"
            ],
        )


def _payment_id(h: Any) -> str | None:
    return h.payment_id or (
        f"pay_seed_{h.float_id}_{h.due_date:%Y%m%d}" if h.outcome == "SUBMITTED" else None
    )


def _dynamodb_items(settings: Settings, scenario: Scenario, now: float) -> dict[str, list[dict[str, Any]]]:
    """Every item the scenario puts in the two tables, marshalled (a value DynamoDB cannot hold fails here)."""
    history: list[dict[str, Any]] = []
    locks: list[dict[str, Any]] = []
    try:
        for h in scenario.history:
            event = FloatEvent(
                float_id=h.float_id,
                run_id=h.run_id,
                outcome=h.outcome,
                due_date=h.due_date,
                event_at=h.event_at,
                user_id=h.user_id,
                amount_cents=h.amount_cents,
                reason=h.reason or "from the scenario",
                payment_id=_payment_id(h),
                idempotency_key=h.idempotency_key
                or (idempotency_key(h.float_id, h.due_date) if h.outcome in ACH_OUTCOMES else None),
                actor="scenario",
                # A scenario's FAILED stands for an order Payments refused (it holds nothing); an attempt
                # whose outcome is unknown is what a run writes under faults, not a seed.
                refused=h.outcome == "FAILED",
            )
            history.append(dynamo.to_item(event.values()))
        for run in scenario.runs:
            record = RunRecord(
                run.run_id,
                due_window(run.run_date).end,
                run.run_date,
                run.started_at,
                status=run.status,
                started_by=run.started_by,
                task_arn=run.task_arn,
                counts=run.counts,
                finished_at=None if run.status == "RUNNING" else run.started_at,
            )
            history.append(dynamo.to_item(record.values()))
        for lk in scenario.locks:
            lease = Lease(
                lk.namespace,
                lk.lock_key,
                lk.owner,
                lk.owner_task,
                now,
                now + lk.lease_expires_in_s,
                lk.rvn or new_rvn(),
            )
            locks.append(lease.item())
    except (
        ArithmeticError,
        TypeError,
        ValueError,
    ) as exc:  # decimal Rounded/Inexact, dates past the calendar
        raise ScenarioError(
            f"the scenario holds a value the stores cannot keep: {type(exc).__name__}"
        ) from None
    return {settings.history_table: history, settings.locks_table: locks}


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    return [item for page in ddb.get_paginator("scan").paginate(TableName=table) for item in page["Items"]]


def _replace_dynamodb(ddb: Any, settings: Settings, new: dict[str, list[dict[str, Any]]]) -> None:
    """Swap the tables' items for `new`; on any failure, put the old items back and refuse."""
    keys = {settings.locks_table: ("namespace", "lock_key"), settings.history_table: ("pk", "sk")}
    old = {table: _scan(ddb, table) for table in keys}
    try:
        _swap(ddb, keys, old, new)
    except Exception as exc:
        _swap(ddb, keys, new, old)
        code = dynamo.error_code(exc) or type(exc).__name__
        raise ScenarioError(f"the scenario was refused by DynamoDB ({code}); nothing was changed") from None


def _swap(
    ddb: Any, keys: dict[str, tuple[str, ...]], remove: dict[str, list[Any]], put: dict[str, list[Any]]
) -> None:
    for table, names in keys.items():
        for item in remove[table]:
            ddb.delete_item(TableName=table, Key={k: item[k] for k in names})
        for item in put[table]:
            ddb.put_item(TableName=table, Item=item)


def _replace_dead_letters(settings: Settings, clients: Any, scenario: Scenario) -> None:
    """Empty the schedule's DLQ and the alert and finance inboxes, then send the scenario's dead-letter events (sent
    now, by SQS's clock)."""
    from floatctl_sandbox.provision import alert_inbox_name, dead_letter_queue_name, finance_inbox_name

    sqs = clients.client("sqs")
    for inbox in (alert_inbox_name(settings), finance_inbox_name(settings)):
        _drain(sqs, sqs.get_queue_url(QueueName=inbox)["QueueUrl"])
    url = sqs.get_queue_url(QueueName=dead_letter_queue_name(settings))["QueueUrl"]
    _drain(sqs, url)
    for row in scenario.dlq:
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"error": row.error_code}),
            MessageAttributes={
                "ERROR_CODE": {"DataType": "String", "StringValue": row.error_code},
                "ERROR_MESSAGE": {"DataType": "String", "StringValue": row.error_message},
            },
        )


def _drain(sqs: Any, url: str) -> None:
    # Drained message by message, not with PurgeQueue: AWS says "Messages sent to the queue after you
    # call PurgeQueue might be deleted while the queue is being purged."
    # (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html)
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30).get(
        "Messages"
    ):
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
