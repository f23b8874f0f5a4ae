"""Clients of the User Service and the Payments Service over one SignedHttp (signed_http.py).

Every call has a total deadline. Retries are bounded with exponential backoff and jitter, honour
Retry-After, and for Payments reuse the same idempotency key; each Payments attempt first takes a
token from the shared limiter, so retries count against the partner's rate too. A Payments answer
must echo what we sent; a 409 is followed by a read of the payment held under our key.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from jobs.adapters.signed_http import (
    RETRYABLE_STATUS,
    RetryPolicy,
    SignedHttp,
    _json,
    _retry_after,
    _Retryable,
)
from jobs.domain.model import Card
from jobs.errors import ConfigError, ServiceError

__all__ = ["PaymentResult", "PaymentsClient", "RetryPolicy", "SignedHttp", "UsersClient", "parse_cards"]

log = logging.getLogger("jobs.adapters.services")


@dataclass(frozen=True)
class PaymentResult:
    """What Payments said about one submission."""

    accepted: bool
    payment_id: str | None
    status: int | None
    reason: str
    replayed: bool = False
    #: On a 409: the payment Payments already holds under our key (for reconciliation), if it could be read.
    held: dict[str, Any] | None = None
    #: Payments said it did not take this order (a 4xx other than 409 and 429): nothing is held from it.
    refused: bool = False


class UsersClient:
    """GET /v1/users/{user_id}/debit-cards."""

    def __init__(self, http: SignedHttp, base_url: str | None) -> None:
        if not base_url:
            raise ConfigError("USERS_API_URL is not set")
        self.http = http
        self.base_url = base_url.rstrip("/")

    def debit_cards(self, user_id: int, stop: threading.Event | None = None) -> list[Card]:
        url = f"{self.base_url}/v1/users/{user_id}/debit-cards"

        def attempt() -> Any:
            response = self.http.request("GET", url, stop=stop)
            if response.status in RETRYABLE_STATUS:
                raise _Retryable(
                    f"users service HTTP {response.status}", response.status, _retry_after(response)
                )
            return response

        response = self.http.with_retries(attempt, stop, before=lambda: None)
        if response.status != 200:
            raise ServiceError(
                f"users service HTTP {response.status} for user {user_id}", status=response.status
            )
        return parse_cards(_json(response, "users service"))


def parse_cards(data: dict[str, Any]) -> list[Card]:
    """Cards from a debit-cards response; a response that breaks the contract raises ServiceError."""
    cards = data.get("cards")
    if not isinstance(cards, list):
        raise ServiceError("users service: response has no 'cards' list")
    parsed = []
    for raw in cards:
        try:
            parsed.append(
                Card(
                    card_id=str(raw["card_id"]),
                    last4=str(raw["last4"])[-4:],
                    is_primary=bool(raw["is_primary"]),
                    status=str(raw["status"]),
                    exp_month=int(raw["exp_month"]),
                    exp_year=int(raw["exp_year"]),
                )
            )
        except (KeyError, TypeError, ValueError):
            raise ServiceError("users service: a card lacks a required field") from None
    return parsed


class PaymentsClient:
    """POST /v1/ach/next-day with a deterministic Idempotency-Key."""

    def __init__(self, http: SignedHttp, base_url: str | None) -> None:
        if not base_url:
            raise ConfigError("PAYMENTS_API_URL is not set")
        self.http = http
        self.base_url = base_url.rstrip("/")

    def submit(
        self,
        *,
        float_id: int,
        user_id: int,
        amount_cents: int,
        effective_date: date,
        idempotency_key: str,
        before_attempt: Callable[[], Any] = lambda: None,
        stop: threading.Event | None = None,
    ) -> PaymentResult:
        """Submit next-day ACH; `before_attempt` runs just before every attempt is sent (the rate limiter)."""
        order = {
            "float_id": float_id,
            "user_id": user_id,
            "amount_cents": amount_cents,
            "effective_date": effective_date.isoformat(),
        }
        body = json.dumps(order).encode()
        url = f"{self.base_url}/v1/ach/next-day"

        def attempt() -> Any:
            response = self.http.request(
                "POST",
                url,
                body=body,
                headers={"Idempotency-Key": idempotency_key},
                before_send=before_attempt,
                stop=stop,
            )
            if response.status in RETRYABLE_STATUS:
                raise _Retryable(f"payments HTTP {response.status}", response.status, _retry_after(response))
            return response

        try:
            response = self.http.with_retries(attempt, stop, before=lambda: None)
        except ServiceError as exc:
            return PaymentResult(False, None, exc.status, f"payments unavailable: {exc}")
        if response.status in (200, 201):
            try:
                data = _json(response, "payments")
            except ServiceError as exc:
                return PaymentResult(False, None, response.status, str(exc))
            payment_id = data.get("payment_id")
            if not isinstance(payment_id, str) or not payment_id or data.get("error"):
                return PaymentResult(
                    False, None, response.status, "payments: success status without a payment_id"
                )
            if mismatch := echo_mismatch(data, {**order, "idempotency_key": idempotency_key}):
                return PaymentResult(
                    False, None, response.status, f"payments contract break: the answer {mismatch}"
                )
            return PaymentResult(
                True, payment_id, response.status, "accepted", replayed=response.status == 200
            )
        if response.status == 409:
            return self._conflict(idempotency_key, stop)
        detail = ""
        with contextlib.suppress(ServiceError):
            detail = str(_json(response, "payments").get("error", ""))[:200]
        reasons = {422: "rejected as invalid"}
        reason = reasons.get(response.status, f"HTTP {response.status}")
        return PaymentResult(
            False,
            None,
            response.status,
            f"payments {reason}{': ' + detail if detail else ''}",
            refused=400 <= response.status < 500,
        )

    def payment(self, idempotency_key: str, stop: threading.Event | None = None) -> dict[str, Any] | None:
        """GET /v1/ach/next-day/{idempotency_key}: the payment Payments holds under the key, or None
        (docs/data-contracts.md)."""
        url = f"{self.base_url}/v1/ach/next-day/{quote(idempotency_key, safe='')}"

        def attempt() -> Any:
            response = self.http.request("GET", url, stop=stop)
            if response.status in RETRYABLE_STATUS:
                raise _Retryable(f"payments HTTP {response.status}", response.status, _retry_after(response))
            return response

        response = self.http.with_retries(attempt, stop, before=lambda: None)
        if response.status == 404:
            return None
        if response.status != 200:
            raise ServiceError(
                f"payments HTTP {response.status} reading {idempotency_key}", status=response.status
            )
        data = _json(response, "payments")
        if data.get("idempotency_key") != idempotency_key or not isinstance(data.get("payment_id"), str):
            raise ServiceError(f"payments: the payment read under {idempotency_key} names another key")
        return data

    def _conflict(self, idempotency_key: str, stop: threading.Event | None) -> PaymentResult:
        """409: Payments holds a payment under our key with other parameters. Read it, so what it holds
        is recorded (for reconciliation) instead of failing the float again and again."""
        try:
            held = self.payment(idempotency_key, stop)
        except ServiceError as exc:
            return PaymentResult(
                False, None, 409, f"payments 409 (key used with other parameters); reading it failed: {exc}"
            )
        if held is None:
            return PaymentResult(
                False, None, 409, "payments 409 (key used with other parameters), yet no payment under it"
            )
        described = ", ".join(
            f"{k} {held.get(k)}" for k in ("float_id", "user_id", "amount_cents", "effective_date")
        )
        return PaymentResult(
            False,
            str(held["payment_id"]),
            409,
            f"Payments already holds payment {held['payment_id']} under this key ({described})",
            held=held,
        )


def echo_mismatch(answer: dict[str, Any], sent: dict[str, Any]) -> str | None:
    """What in a success answer does not echo the order we sent (float, user, amount, date, key), or None."""
    for field in ("float_id", "user_id", "amount_cents", "effective_date", "idempotency_key"):
        if field in ("user_id",) and field not in answer:
            continue  # the user is not part of every partner's echo; the others are
        if answer.get(field) != sent[field]:
            return f"names {field} {answer.get(field)!r}, we sent {sent[field]!r}"
    return None
