"""Sandbox scenarios (docs/sandbox.md): parse and validate a JSON file into data the sandbox can load."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from jobs.domain.calendar import FIRST_RUN_DATE, LAST_RUN_DATE
from jobs.domain.keys import idempotency_key
from jobs.errors import UsageError

FLOAT_COLUMNS = ("user_id", "status", "amount_cents", "due_date")
CARD_STATUSES = ("ACTIVE", "INACTIVE", "BLOCKED")
OUTCOMES = (
    "ACH_PENDING",
    "SUBMITTED",
    "FAILED",
    "SKIP_INVALID",
    "SKIP_STALE",
    "SKIP_ALREADY_SUBMITTED",
    "SKIP_ATTEMPT_CAP",
    "SKIP_VALID_CARD",
    "SKIP_LOCKED",
    "ACH_FOUND",
    "ACH_RETURNED",
)
# What the stores behind the sandbox can hold: Postgres bigint, and dates the calendar can step past.
BIGINT_MIN, BIGINT_MAX = -(2**63), 2**63 - 1
FIRST_DATE, LAST_DATE = FIRST_RUN_DATE, LAST_RUN_DATE
MAX_LEASE_S = 10 * 365 * 24 * 3600
LOCK_NAMESPACES = ("float", "job")
RUN_STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "INTERRUPTED")
LISTS = ("floats", "cards", "history", "locks", "runs", "dlq", "payments")


class ScenarioError(UsageError):
    """A scenario file that cannot be loaded; the message names the offending field."""


@dataclass(frozen=True)
class FloatRow:
    id: int
    user_id: int | None
    status: str | None
    amount_cents: int | None
    due_date: date | None
    replica: dict[str, Any] | None = None


@dataclass(frozen=True)
class CardRow:
    user_id: int
    card_id: str
    last4: str
    is_primary: bool
    status: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class HistoryRow:
    float_id: int
    outcome: str
    due_date: date
    event_at: datetime
    run_id: str = "seed"
    user_id: int | None = None
    amount_cents: int | None = None
    reason: str = ""
    payment_id: str | None = None
    idempotency_key: str | None = None


@dataclass(frozen=True)
class LockRow:
    namespace: str
    lock_key: str
    owner: str
    owner_task: str
    lease_expires_in_s: int
    rvn: str | None = None


@dataclass(frozen=True)
class RunRow:
    """A run record (status, when, by whom), to stage a missed, failed or dead run."""

    run_id: str
    run_date: date
    status: str
    started_at: datetime
    started_by: str = "schedule"
    task_arn: str | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeadLetterRow:
    """A dead-letter event of the schedule (a fire that could not start the task), sent to its DLQ."""

    error_code: str
    error_message: str


@dataclass(frozen=True)
class PaymentRow:
    """A payment the Payments simulator holds (its `status` as the GET by key answers it)."""

    float_id: int
    amount_cents: int
    effective_date: date
    idempotency_key: str
    payment_id: str
    user_id: int = 0
    status: str = "ACCEPTED"


@dataclass(frozen=True)
class Scenario:
    floats: list[FloatRow] = field(default_factory=list)
    cards: list[CardRow] = field(default_factory=list)
    history: list[HistoryRow] = field(default_factory=list)
    locks: list[LockRow] = field(default_factory=list)
    runs: list[RunRow] = field(default_factory=list)
    dlq: list[DeadLetterRow] = field(default_factory=list)
    # None: each SUBMITTED history row stands for its payment; a list: the payments, exactly.
    payments: list[PaymentRow] | None = None


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file; any problem raises ScenarioError naming it."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}") from None
    return parse_scenario(data, source=str(path))


def parse_scenario(data: Any, source: str = "scenario") -> Scenario:
    """Validate a decoded scenario document."""
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: the top level must be an object with floats/cards/history/locks")
    unknown = set(data) - set(LISTS)
    if unknown:
        raise ScenarioError(f"{source}: unknown key {sorted(unknown)[0]!r}")
    lists = {}
    for key in LISTS:
        value = data.get(key, [])
        if not isinstance(value, list):
            raise ScenarioError(f"{source}: {key} must be a list")
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                raise ScenarioError(f"{source}: {key}[{i}] must be an object")
        lists[key] = value
    floats = [_float(f"{key}[{i}]", item) for key in ["floats"] for i, item in enumerate(lists[key])]
    _unique(source, "floats", [f.id for f in floats], "id")
    cards = [_card(f"cards[{i}]", item) for i, item in enumerate(lists["cards"])]
    _unique(source, "cards", [c.card_id for c in cards], "card_id")
    history = [_history(f"history[{i}]", item) for i, item in enumerate(lists["history"])]
    locks = [_lock(f"locks[{i}]", item) for i, item in enumerate(lists["locks"])]
    _unique(source, "locks", [(lk.namespace, lk.lock_key) for lk in locks], "namespace/lock_key")
    runs = [_run(f"runs[{i}]", item) for i, item in enumerate(lists["runs"])]
    _unique(source, "runs", [r.run_id for r in runs], "run_id")
    dlq = [_dead_letter(f"dlq[{i}]", item) for i, item in enumerate(lists["dlq"])]
    payments = None
    if "payments" in data:
        payments = [_payment(f"payments[{i}]", item) for i, item in enumerate(lists["payments"])]
        _unique(source, "payments", [p.idempotency_key for p in payments], "idempotency_key")
        _unique(source, "payments", [p.payment_id for p in payments], "payment_id")
    return Scenario(floats, cards, history, locks, runs, dlq, payments)


def _unique(source: str, name: str, keys: list[Any], what: str) -> None:
    seen: set[Any] = set()
    for i, key in enumerate(keys):
        if key in seen:
            raise ScenarioError(f"{source}: {name}[{i}]: duplicate {what} {key!r}")
        seen.add(key)


def _check_keys(
    where: str, item: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> None:
    for key in required:
        if key not in item:
            raise ScenarioError(f"{where}: missing {key!r}")
    extra = set(item) - set(required) - set(optional)
    if extra:
        raise ScenarioError(f"{where}: unknown field {sorted(extra)[0]!r}")


def _int(
    where: str, value: Any, *, nullable: bool = False, minimum: int | None = None, maximum: int | None = None
) -> Any:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(f"{where}: expected an integer, got {value!r}")
    if minimum is not None and value < minimum:
        raise ScenarioError(f"{where}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ScenarioError(f"{where}: must be at most {maximum}, got {value}")
    if not BIGINT_MIN <= value <= BIGINT_MAX:
        raise ScenarioError(f"{where}: {value} does not fit a 64-bit integer")
    return value


def _str(where: str, value: Any, *, nullable: bool = False, choices: tuple[str, ...] | None = None) -> Any:
    if value is None and nullable:
        return None
    if not isinstance(value, str) or not value:
        raise ScenarioError(f"{where}: expected a non-empty string, got {value!r}")
    if choices and value not in choices:
        raise ScenarioError(f"{where}: {value!r} is not one of {', '.join(choices)}")
    return value


def _date(where: str, value: Any, *, nullable: bool = False) -> Any:
    if value is None and nullable:
        return None
    try:
        parsed = date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ScenarioError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from None
    if not FIRST_DATE <= parsed <= LAST_DATE:
        raise ScenarioError(f"{where}: {parsed} is outside {FIRST_DATE}..{LAST_DATE}")
    return parsed


def _datetime(where: str, value: Any) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ScenarioError(f"{where}: not an ISO timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise ScenarioError(f"{where}: timestamp needs a timezone (e.g. Z): {value!r}")
    if not FIRST_DATE <= parsed.date() <= LAST_DATE:
        raise ScenarioError(f"{where}: {value!r} is outside {FIRST_DATE}..{LAST_DATE}")
    return parsed


def _float_columns(where: str, item: dict[str, Any]) -> dict[str, Any]:
    return {
        "user_id": _int(f"{where}.user_id", item.get("user_id"), nullable=True),
        "status": _str(f"{where}.status", item.get("status"), nullable=True),
        "amount_cents": _int(f"{where}.amount_cents", item.get("amount_cents"), nullable=True),
        "due_date": _date(f"{where}.due_date", item.get("due_date"), nullable=True),
    }


def _float(where: str, item: dict[str, Any]) -> FloatRow:
    _check_keys(where, item, ("id",), (*FLOAT_COLUMNS, "replica"))
    replica = item.get("replica")
    if replica is not None:
        if not isinstance(replica, dict):
            raise ScenarioError(f"{where}.replica: must be an object of column overrides")
        bad = set(replica) - set(FLOAT_COLUMNS)
        if bad:
            raise ScenarioError(f"{where}.replica: unknown column {sorted(bad)[0]!r}")
        parsed = _float_columns(f"{where}.replica", {**dict.fromkeys(FLOAT_COLUMNS), **replica})
        replica = {k: parsed[k] for k in replica}
    return FloatRow(
        id=_int(f"{where}.id", item["id"], minimum=1), replica=replica, **_float_columns(where, item)
    )


def _card(where: str, item: dict[str, Any]) -> CardRow:
    fields_ = ("user_id", "card_id", "last4", "is_primary", "status", "exp_month", "exp_year")
    _check_keys(where, item, fields_, ())
    last4 = item["last4"]
    if not (isinstance(last4, str) and len(last4) == 4 and last4.isdigit()):
        raise ScenarioError(f"{where}.last4: expected 4 digits as a string, got {last4!r}")
    if not isinstance(item["is_primary"], bool):
        raise ScenarioError(f"{where}.is_primary: expected true or false")
    month = _int(f"{where}.exp_month", item["exp_month"], minimum=1)
    if month > 12:
        raise ScenarioError(f"{where}.exp_month: must be 1-12, got {month}")
    return CardRow(
        user_id=_int(f"{where}.user_id", item["user_id"]),
        card_id=_str(f"{where}.card_id", item["card_id"]),
        last4=last4,
        is_primary=item["is_primary"],
        status=_str(f"{where}.status", item["status"], choices=CARD_STATUSES),
        exp_month=month,
        exp_year=_int(f"{where}.exp_year", item["exp_year"], minimum=2000, maximum=LAST_DATE.year),
    )


def _history(where: str, item: dict[str, Any]) -> HistoryRow:
    optional = ("run_id", "user_id", "amount_cents", "reason", "payment_id", "idempotency_key")
    _check_keys(where, item, ("float_id", "outcome", "due_date", "event_at"), optional)
    return HistoryRow(
        float_id=_int(f"{where}.float_id", item["float_id"], minimum=1),
        outcome=_str(f"{where}.outcome", item["outcome"], choices=OUTCOMES),
        due_date=_date(f"{where}.due_date", item["due_date"]),
        event_at=_datetime(f"{where}.event_at", item["event_at"]),
        run_id=_str(f"{where}.run_id", item.get("run_id", "seed")),
        user_id=_int(f"{where}.user_id", item.get("user_id"), nullable=True),
        amount_cents=_int(f"{where}.amount_cents", item.get("amount_cents"), nullable=True),
        reason=str(item.get("reason", "")),
        payment_id=_str(f"{where}.payment_id", item.get("payment_id"), nullable=True),
        idempotency_key=_str(f"{where}.idempotency_key", item.get("idempotency_key"), nullable=True),
    )


def _lock(where: str, item: dict[str, Any]) -> LockRow:
    required = ("namespace", "lock_key", "owner", "owner_task", "lease_expires_in_s")
    _check_keys(where, item, required, ("rvn",))
    return LockRow(
        namespace=_str(f"{where}.namespace", item["namespace"], choices=LOCK_NAMESPACES),
        lock_key=_str(f"{where}.lock_key", item["lock_key"]),
        owner=_str(f"{where}.owner", item["owner"]),
        owner_task=_str(f"{where}.owner_task", item["owner_task"]),
        lease_expires_in_s=_int(
            f"{where}.lease_expires_in_s",
            item["lease_expires_in_s"],
            minimum=-MAX_LEASE_S,
            maximum=MAX_LEASE_S,
        ),
        rvn=_str(f"{where}.rvn", item.get("rvn"), nullable=True),
    )


def _run(where: str, item: dict[str, Any]) -> RunRow:
    _check_keys(
        where, item, ("run_id", "run_date", "status", "started_at"), ("started_by", "task_arn", "counts")
    )
    counts = item.get("counts", {})
    if not isinstance(counts, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= BIGINT_MAX for v in counts.values()
    ):
        raise ScenarioError(f"{where}.counts: expected an object of integers from 0 to {BIGINT_MAX}")
    return RunRow(
        run_id=_str(f"{where}.run_id", item["run_id"]),
        run_date=_date(f"{where}.run_date", item["run_date"]),
        status=_str(f"{where}.status", item["status"], choices=RUN_STATUSES),
        started_at=_datetime(f"{where}.started_at", item["started_at"]),
        started_by=_str(f"{where}.started_by", item.get("started_by", "schedule")),
        task_arn=_str(f"{where}.task_arn", item.get("task_arn"), nullable=True),
        counts=counts,
    )


def _dead_letter(where: str, item: dict[str, Any]) -> DeadLetterRow:
    _check_keys(where, item, ("error_code", "error_message"), ())
    return DeadLetterRow(
        error_code=_str(f"{where}.error_code", item["error_code"]),
        error_message=_str(f"{where}.error_message", item["error_message"]),
    )


def _payment(where: str, item: dict[str, Any]) -> PaymentRow:
    optional = ("payment_id", "user_id", "idempotency_key", "status")
    _check_keys(where, item, ("float_id", "amount_cents", "effective_date"), optional)
    float_id = _int(f"{where}.float_id", item["float_id"], minimum=1)
    effective = _date(f"{where}.effective_date", item["effective_date"])
    default_key = idempotency_key(float_id, effective)
    return PaymentRow(
        float_id=float_id,
        amount_cents=_int(f"{where}.amount_cents", item["amount_cents"], minimum=1),
        effective_date=effective,
        idempotency_key=_str(f"{where}.idempotency_key", item.get("idempotency_key", default_key)),
        payment_id=_str(
            f"{where}.payment_id", item.get("payment_id", f"pay_scenario_{float_id}_{effective:%Y%m%d}")
        ),
        user_id=_int(f"{where}.user_id", item.get("user_id", 0), minimum=0),
        status=_str(f"{where}.status", item.get("status", "ACCEPTED")),
    )
