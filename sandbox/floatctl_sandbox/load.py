"""Replace all sandbox data with a scenario: floats in main and replica, cards, payments, history, locks,
the schedule's dead letters and the alert and finance inboxes.

All or nothing. First everything is read and checked: every row and item is built, the queues are
found and their messages hidden (received, not deleted). Then the writes, each undoable until the end:
Postgres (uncommitted), DynamoDB (swapped, the old items kept), the new dead letters (sent); only then
are the old messages deleted and Postgres committed. A failure anywhere undoes what was done (the new
messages deleted, the old ones shown again, DynamoDB swapped back, Postgres rolled back) and refuses
the scenario in one line.
"""

from __future__ import annotations

import json
from typing import Any

from floatctl_sandbox.control import Sandbox
from floatctl_sandbox.scenario import Scenario, ScenarioError
from jobs.adapters import dynamo
from jobs.adapters.locks import lease_item, new_rvn
from jobs.domain.calendar import due_window
from jobs.domain.keys import idempotency_key
from jobs.domain.leases import Lease
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
    " created_at, status) VALUES (%s, %s, %s, %s, %s, %s, COALESCE(%s::timestamptz, now()), %s)"
    " ON CONFLICT DO NOTHING"
)


def apply_scenario(
    sandbox: Sandbox, settings: Settings, clients: Any, scenario: Scenario, now: float
) -> None:
    """Load `scenario`, or refuse it (ScenarioError) leaving every store as it was."""
    import psycopg

    items = _dynamodb_items(settings, scenario, now)  # raises before anything is written
    ddb = clients.client("dynamodb")
    inboxes = _Inboxes(clients.client("sqs"), settings)
    swapped: _Swapped | None = None
    step = "SQS"
    try:
        inboxes.hide_old()
        step = "Postgres"
        with (
            psycopg.connect(sandbox.dsn("main")) as main,
            psycopg.connect(sandbox.dsn("replica")) as replica,
            psycopg.connect(sandbox.dsn("services")) as services,
        ):
            _write_postgres(scenario, main, replica, services)
            step = "DynamoDB"
            swapped = _replace_dynamodb(ddb, settings, items)
            step = "SQS"
            inboxes.send_new(scenario)
            inboxes.delete_old()
            step = "Postgres"  # the commit, as the connections close
    except Exception as exc:
        undone = _undo(inboxes, swapped)
        if isinstance(exc, ScenarioError) and not undone:
            raise
        why = (
            str(exc)
            if isinstance(exc, ScenarioError)
            else f"the scenario was refused by {step} ({_why(exc)})"
        )
        raise ScenarioError(
            f"{why.split('; nothing was changed')[0]}; {undone or 'nothing was changed'}"
        ) from None


def _undo(inboxes: _Inboxes, swapped: _Swapped | None) -> str:
    """Put SQS and DynamoDB back (Postgres rolls back by itself); what could not be put back, or ''."""
    failed = []
    for store, undo in (("SQS", inboxes.undo), ("DynamoDB", swapped.undo if swapped else None)):
        if undo is None:
            continue
        try:
            undo()
        except Exception as exc:
            failed.append(f"{store} ({_why(exc)})")
    return f"putting {' and '.join(failed)} back failed too: reset the sandbox" if failed else ""


def _why(exc: Exception) -> str:
    diag = getattr(exc, "diag", None)
    return (
        (diag.message_primary if diag is not None else None) or dynamo.error_code(exc) or type(exc).__name__
    )


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
        cur.executemany(PAYMENT_INSERT, _payments(scenario))


def _payments(scenario: Scenario) -> list[tuple[Any, ...]]:
    """The simulator's payments: the scenario's `payments` exactly, or one per SUBMITTED event (a
    SUBMITTED event stands for a payment Payments really holds)."""
    if scenario.payments is not None:
        return [
            (p.payment_id, p.idempotency_key, p.float_id, p.user_id, p.amount_cents, p.effective_date)
            + (None, p.status)
            for p in scenario.payments
        ]
    return [
        (
            _payment_id(h),
            h.idempotency_key or idempotency_key(h.float_id, h.due_date),
            h.float_id,
            h.user_id or 0,
            h.amount_cents or 0,
            h.due_date,
            h.event_at,
            "ACCEPTED",
        )
        for h in scenario.history
        if h.outcome == "SUBMITTED"
    ]


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
            locks.append(lease_item(lease))
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


class _Swapped:
    """DynamoDB after a swap: `undo` puts the old items back."""

    def __init__(self, ddb: Any, keys: dict[str, tuple[str, ...]], old: Any, new: Any) -> None:
        self.ddb, self.keys, self.old, self.new = ddb, keys, old, new

    def undo(self) -> None:
        _swap(self.ddb, self.keys, self.new, self.old)


def _replace_dynamodb(ddb: Any, settings: Settings, new: dict[str, list[dict[str, Any]]]) -> _Swapped:
    """Swap the tables' items for `new`; on any failure, put the old items back and refuse."""
    keys = {settings.locks_table: ("namespace", "lock_key"), settings.history_table: ("pk", "sk")}
    old = {table: _scan(ddb, table) for table in keys}
    try:
        _swap(ddb, keys, old, new)
    except Exception as exc:
        _swap(ddb, keys, new, old)
        code = dynamo.error_code(exc) or type(exc).__name__
        raise ScenarioError(f"the scenario was refused by DynamoDB ({code}); nothing was changed") from None
    return _Swapped(ddb, keys, old, new)


def _swap(
    ddb: Any, keys: dict[str, tuple[str, ...]], remove: dict[str, list[Any]], put: dict[str, list[Any]]
) -> None:
    for table, names in keys.items():
        for item in remove[table]:
            ddb.delete_item(TableName=table, Key={k: item[k] for k in names})
        for item in put[table]:
            ddb.put_item(TableName=table, Item=item)


HIDE_S = 120  # how long the old messages stay hidden while the load runs (SQS's visibility timeout)


class _Inboxes:
    """The schedule's DLQ and the alert and finance inboxes: old messages hidden first, deleted last.

    Emptied message by message, not with PurgeQueue: AWS says "Messages sent to the queue after you
    call PurgeQueue might be deleted while the queue is being purged."
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_PurgeQueue.html)
    A received message stays hidden for its visibility timeout; "If you don't delete a message ... it
    becomes visible again" and ChangeMessageVisibility with 0 makes it visible at once
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ChangeMessageVisibility.html).
    """

    def __init__(self, sqs: Any, settings: Settings) -> None:
        from floatctl_sandbox.provision import alert_inbox_name, dead_letter_queue_name, finance_inbox_name

        self.sqs = sqs
        self.names = (
            alert_inbox_name(settings),
            finance_inbox_name(settings),
            dead_letter_queue_name(settings),
        )
        self.urls: dict[str, str] = {}
        self.hidden: dict[str, list[dict[str, Any]]] = {}
        self.deleted: dict[str, list[dict[str, Any]]] = {}
        self.sent = False

    def hide_old(self) -> None:
        """Find the queues and receive (hide, not delete) every message in them."""
        for name in self.names:
            self.urls[name] = self.sqs.get_queue_url(QueueName=name)["QueueUrl"]
        for name, url in self.urls.items():
            self.hidden[name] = []
            while messages := self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=HIDE_S,
                MessageAttributeNames=["All"],
            ).get("Messages"):
                self.hidden[name] += messages

    def send_new(self, scenario: Scenario) -> None:
        """The scenario's dead-letter events, sent now (by SQS's clock)."""
        url = self.urls[self.names[2]]
        self.sent = True
        for row in scenario.dlq:
            self.sqs.send_message(
                QueueUrl=url,
                MessageBody=json.dumps({"error": row.error_code}),
                MessageAttributes={
                    "ERROR_CODE": {"DataType": "String", "StringValue": row.error_code},
                    "ERROR_MESSAGE": {"DataType": "String", "StringValue": row.error_message},
                },
            )

    def delete_old(self) -> None:
        for name, messages in self.hidden.items():
            for i in range(0, len(messages), 10):
                batch = messages[i : i + 10]
                self.sqs.delete_message_batch(
                    QueueUrl=self.urls[name],
                    Entries=[
                        {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)
                    ],
                )
                self.deleted.setdefault(name, []).extend(batch)
        self.hidden = {}

    def undo(self) -> None:
        """Back as they were: the new messages deleted, the hidden ones shown, any deleted ones sent again."""
        if self.sent:  # the only visible messages in the DLQ are the ones this load sent
            url = self.urls[self.names[2]]
            while messages := self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
                for m in messages:
                    self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        for name, messages in self.hidden.items():
            for m in messages:
                self.sqs.change_message_visibility(
                    QueueUrl=self.urls[name], ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
        for name, messages in self.deleted.items():
            for m in messages:
                self.sqs.send_message(
                    QueueUrl=self.urls[name],
                    MessageBody=m["Body"],
                    MessageAttributes=m.get("MessageAttributes") or {},
                )
