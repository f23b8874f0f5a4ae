"""Fault settings of the Payments and User Service simulator, changeable while it serves."""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any


def _count(value: Any) -> int:
    """Accept a whole number of zero or more (milliseconds, seconds)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"must be an integer >= 0, got {value!r}")
    return value


def _rate(value: Any) -> float:
    """Accept a probability between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"must be a number between 0 and 1, got {value!r}")
    return float(value)


def _seconds(value: Any) -> float:
    """Accept a finite duration of zero or more seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _seed(value: Any) -> int | None:
    """Accept an integer seed, or null for an unseeded generator."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"must be an integer or null, got {value!r}")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {value!r}")
        return value

    return check


# Every setting: its check and its default (the value after a clear).
SETTINGS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "payments.latency_ms": (_count, 0),
    "payments.error_rate": (_rate, 0.0),
    "payments.throttle_rate": (_rate, 0.0),
    "payments.retry_after_s": (_count, 1),
    "payments.timeout_rate": (_rate, 0.0),
    "payments.timeout_hang_s": (_seconds, 30.0),
    "payments.seed": (_seed, None),
    # Answers that break the contract, after the payment was stored: the client must not trust them.
    "payments.contract_break": (
        _choice("bad_json", "missing_payment_id", "error_body", "wrong_echo"),
        "error_body",
    ),
    # A slow-drip answer: after the headers, one byte every N seconds (each read gets data in time).
    "payments.trickle_byte_s": (_seconds, 0.0),
    "users.trickle_byte_s": (_seconds, 0.0),
    "payments.contract_break_rate": (_rate, 0.0),
    "users.latency_ms": (_count, 0),
    "users.error_rate": (_rate, 0.0),
    "users.timeout_rate": (_rate, 0.0),
    "users.timeout_hang_s": (_seconds, 30.0),
    "users.contract_break": (_choice("bad_json", "missing_cards", "missing_field"), "missing_field"),
    "users.contract_break_rate": (_rate, 0.0),
    # DynamoDB answers ProvisionedThroughputExceededException (applied by the sandbox's moto front).
    "dynamodb.throttle_rate": (_rate, 0.0),
    # DynamoDB applies a write, then answers 500 InternalServerError (the reply was "lost"): botocore retries.
    "dynamodb.lost_reply_rate": (_rate, 0.0),
    # A slow-drip DynamoDB: every answer (after moto applied the call) one byte every N seconds.
    "dynamodb.trickle_byte_s": (_seconds, 0.0),
    # SQS refuses SendMessage (400 InvalidParameterValue, not retried): a scenario load fails mid-way.
    "sqs.send_error_rate": (_rate, 0.0),
}


def validate(changes: Mapping[str, Any]) -> dict[str, Any]:
    """Return the checked settings, or raise ValueError naming the first bad key."""
    if not isinstance(changes, Mapping):
        raise ValueError("faults must be a JSON object of KEY: value")
    checked = {}
    for key, value in changes.items():
        if key not in SETTINGS:
            raise ValueError(f"{key}: unknown fault setting (known: {', '.join(SETTINGS)})")
        check, _ = SETTINGS[key]
        try:
            checked[key] = check(value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    return checked


def parse_assignments(items: Iterable[str]) -> dict[str, Any]:
    """Parse `KEY=VALUE` strings (as typed on a command line) into checked settings."""
    changes = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{item!r}: expected KEY=VALUE")
        try:
            value = None if text.strip().lower() in ("none", "null") else json.loads(text)
            changes.update(validate({key.strip(): value}))
        except (json.JSONDecodeError, ValueError) as exc:
            reason = "not a number" if isinstance(exc, json.JSONDecodeError) else exc
            raise ValueError(f"{item!r}: {reason}") from None
    return changes


class Faults:
    """The current fault settings and their random draws, safe to use from many threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = {key: default for key, (_, default) in SETTINGS.items()}
        self._draws = {k: random.Random() for k in ("payments", "users", "dynamodb", "sqs")}

    def snapshot(self) -> dict[str, Any]:
        """Return every setting with its current value."""
        with self._lock:
            return dict(self._values)

    def update(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Merge checked settings in (all or none) and return the result."""
        checked = validate(changes)
        with self._lock:
            self._values.update(checked)
            if "payments.seed" in checked:
                self._draws["payments"] = random.Random(checked["payments.seed"])
            return dict(self._values)

    def clear(self) -> dict[str, Any]:
        """Restore every default: no latency and no faults."""
        with self._lock:
            self._values = {key: default for key, (_, default) in SETTINGS.items()}
            self._draws = {k: random.Random() for k in ("payments", "users", "dynamodb", "sqs")}
            return dict(self._values)

    def value(self, key: str) -> float:
        """A numeric setting, e.g. `dynamodb.trickle_byte_s`."""
        with self._lock:
            return float(self._values[key] or 0)

    def roll(self, service: str, fault: str) -> bool:
        """Draw whether `service.fault` (a rate) strikes this request."""
        with self._lock:
            rate = self._values[f"{service}.{fault}"]
            return rate > 0 and self._draws[service].random() < rate
