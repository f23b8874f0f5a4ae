"""Scrub secrets from anything that leaves the process: log lines, span tags, metric tags.

Known values (the DB passwords, the AWS secret key, session tokens) are registered at run time;
patterns catch the rest: SigV4 Authorization headers and signatures, AWS access key ids, and card
numbers (13–19 digits, kept to the last four).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

MASK = "[REDACTED]"
_PATTERNS = (
    (
        re.compile(
            r"AWS4-HMAC-SHA256\s+Credential=[^\s,]+(?:,\s*SignedHeaders=[^\s,]+)?(?:,\s*Signature=[0-9a-f]+)?"
        ),
        MASK,
    ),
    (re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}]+(?:\s[^\"',}]+)*"), r"\1" + MASK),
    (re.compile(r"(?i)(signature=)[0-9a-f]{16,}"), r"\1" + MASK),
    (re.compile(r"(?i)(x-amz-security-token[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}]+"), r"\1" + MASK),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK),
    (re.compile(r"(?i)(password[\"']?\s*[:=]\s*[\"']?)[^\"'\s,}&]+"), r"\1" + MASK),
)
_CARD = re.compile(r"(?<!\d)(\d[ -]?){12,18}\d(?!\d)")

_known: set[str] = set()
_lock = threading.Lock()


def register(*values: str | None) -> None:
    """Treat these exact values as secrets from now on (short ones are ignored: too many false hits)."""
    with _lock:
        _known.update(v for v in values if v and len(v) >= 6)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _mask_card(match: re.Match[str]) -> str:
    """A digit run that passes the Luhn check is a card number: keep the last four."""
    digits = re.sub(r"\D", "", match.group(0))
    return f"••••{digits[-4:]}" if _luhn(digits) else match.group(0)


def scrub(text: str) -> str:
    """The text with every registered value and every known secret pattern masked."""
    if not text:
        return text
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for value in known:
        if value in text:
            text = text.replace(value, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return _CARD.sub(_mask_card, text)


def scrub_value(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: scrub_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(scrub_value(v) for v in value)
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that formats the message once, scrubbed, and scrubs string extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = str(record.msg)
        record.msg, record.args = scrub(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        for key, value in list(record.__dict__.items()):
            if (
                key not in _STANDARD
                and not key.startswith("dd.")
                and isinstance(value, str | dict | list | tuple)
            ):
                setattr(record, key, scrub_value(value))
        return True


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}
