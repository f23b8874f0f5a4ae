"""The simulator's wire protocol: routes, SQL, requests and replies, SigV4 checks, order validation."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from email.message import Message
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

SERVICE = "execute-api"
MAX_BODY_BYTES = 1 << 20
BIGINT_MAX = (1 << 63) - 1
PAYMENT_FIELDS = ("float_id", "user_id", "amount_cents", "effective_date")

_CARDS_PATH = re.compile(r"/v1/users/([^/]+)/debit-cards")
_PAYMENT_BY_KEY_PATH = re.compile(r"/v1/ach/next-day/([^/]+)")
_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_SELECT_CARDS = """
SELECT card_id, last4, is_primary, status, exp_month, exp_year
FROM debit_cards WHERE user_id = %s ORDER BY is_primary DESC, card_id
"""
_PAYMENT_COLUMNS = (
    "payment_id, idempotency_key, float_id, user_id, amount_cents, effective_date, created_at, status"
)
_INSERT_PAYMENT = f"""
INSERT INTO payments (payment_id, idempotency_key, float_id, user_id, amount_cents, effective_date)
VALUES (%(payment_id)s, %(idempotency_key)s, %(float_id)s, %(user_id)s, %(amount_cents)s, %(effective_date)s)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING {_PAYMENT_COLUMNS}
"""
_SELECT_PAYMENT = f"SELECT {_PAYMENT_COLUMNS} FROM payments WHERE idempotency_key = %s"
_LOG_REQUEST = "INSERT INTO payment_requests (idempotency_key, received_at, status_code) VALUES (%s, %s, %s)"


def apply_schema(conn_or_dsn: Any) -> None:
    """Create the simulator's tables (services.sql) in a database given by DSN or open connection."""
    import psycopg

    sql = resources.files("floatctl_sandbox").joinpath("sql/services.sql").read_text()
    if isinstance(conn_or_dsn, str):
        with psycopg.connect(conn_or_dsn, autocommit=True) as conn:
            conn.execute(sql)
        return
    with conn_or_dsn.transaction():
        conn_or_dsn.execute(sql)


@dataclass(frozen=True)
class Request:
    """One HTTP request as received: the request target keeps its query string for SigV4."""

    method: str
    target: str
    headers: Message
    body: bytes
    received_at: dt.datetime

    @property
    def path(self) -> str:
        return urlsplit(self.target).path


@dataclass(frozen=True)
class Reply:
    """One JSON response to send."""

    status: int
    body: dict[str, Any] | bytes  # bytes: sent as is (a broken answer)
    headers: tuple[tuple[str, str], ...] = ()


class Rejected(Exception):
    """A request refused with an HTTP status and a one-line reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.reply = Reply(status, {"error": reason})


def verify_sigv4(request: Request, access_key: str, secret_key: str, region: str, max_skew_s: float) -> None:
    """Re-sign the request with botocore at its own X-Amz-Date and raise Rejected unless signatures match."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    header = request.headers.get("Authorization")
    if not header:
        raise Rejected(401, "missing SigV4 Authorization")
    parsed = _AUTHORIZATION.fullmatch(header.strip())
    if not parsed:
        raise Rejected(403, "Authorization is not a SigV4 (AWS4-HMAC-SHA256) header")
    amz_date = request.headers.get("X-Amz-Date", "")
    try:
        signed_at = dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        raise Rejected(403, "missing or malformed X-Amz-Date") from None
    if abs(request.received_at - signed_at).total_seconds() > max_skew_s:
        raise Rejected(403, f"signature expired or not yet valid: X-Amz-Date {amz_date}")
    scope = f"{amz_date[:8]}/{region}/{SERVICE}/aws4_request"
    if parsed["credential"] != f"{access_key}/{scope}":
        raise Rejected(403, f"credential must be <access key>/{scope}")
    names = parsed["signed"].split(";")
    if "host" not in names or "x-amz-date" not in names:
        raise Rejected(403, "SignedHeaders must include host and x-amz-date")
    if any(name not in request.headers for name in names):
        raise Rejected(403, "a signed header is missing from the request")
    claimed_hash = request.headers.get("X-Amz-Content-SHA256")
    if "x-amz-content-sha256" in names and claimed_hash != hashlib.sha256(request.body).hexdigest():
        raise Rejected(403, "X-Amz-Content-SHA256 does not match the body")

    replay = AWSRequest(
        method=request.method,
        url=f"http://{request.headers['Host']}{request.target}",
        headers={name: ",".join(request.headers.get_all(name)) for name in names},
        data=request.body,
    )
    replay.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(access_key, secret_key), SERVICE, region)
    if signer.signed_headers(signer.headers_to_sign(replay)) != parsed["signed"]:
        raise Rejected(403, "SignedHeaders are not in canonical form")
    expected = signer.signature(signer.string_to_sign(replay, signer.canonical_request(replay)), replay)
    if not hmac.compare_digest(expected, parsed["signature"]):
        raise Rejected(403, "the request signature does not match")


def parse_payment(body: bytes) -> dict[str, Any]:
    """Return the checked payment order in a POST body, or raise Rejected (400 or 422)."""
    try:
        order = json.loads(body)
    except ValueError:
        raise Rejected(400, "body is not valid JSON") from None
    if not isinstance(order, dict):
        raise Rejected(422, "body must be a JSON object")
    if missing := [field for field in PAYMENT_FIELDS if field not in order]:
        raise Rejected(422, f"missing field(s): {', '.join(missing)}")
    if unknown := sorted(set(order) - set(PAYMENT_FIELDS)):
        raise Rejected(422, f"unknown field(s): {', '.join(unknown)}")
    for field in ("float_id", "user_id", "amount_cents"):
        value = order[field]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= BIGINT_MAX:
            raise Rejected(422, f"{field} must be a positive integer")
    text = order["effective_date"]
    try:
        if not isinstance(text, str) or not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        effective_date = dt.date.fromisoformat(text)
    except ValueError:
        raise Rejected(422, "effective_date must be a date as YYYY-MM-DD") from None
    return {**order, "effective_date": effective_date}


def payment_json(row: dict[str, Any]) -> dict[str, Any]:
    """Render a payments row as the Payments Service returns it."""
    dates = {"effective_date": row["effective_date"].isoformat(), "created_at": row["created_at"].isoformat()}
    return {**row, **dates, "status": row.get("status") or "ACCEPTED"}
