"""Deterministic keys shared by the batch, the stores and the sandbox."""

from __future__ import annotations

from datetime import date

from jobs.errors import UsageError

JOB_NAME = "day-before-ach"
#: The lock table's namespaces: the one job lock, and one lock per float.
JOB_NAMESPACE = "job"
FLOAT_NAMESPACE = "float"
LOCK_NAMESPACES = (JOB_NAMESPACE, FLOAT_NAMESPACE)


def idempotency_key(float_id: int, due_date: date) -> str:
    """The Payments idempotency key: the same float and due date can never make two payments."""
    return f"{JOB_NAME}:{float_id}:{due_date.isoformat()}"


FLOAT_KEY_PREFIX = "float#"


def float_lock_key(float_id: int) -> str:
    return f"{FLOAT_KEY_PREFIX}{float_id}"


def float_pk(float_id: int) -> str:
    return f"float#{float_id}"


def run_pk(due_date: date) -> str:
    return f"run#{due_date.isoformat()}"


def job_lock_key() -> str:
    """The job lock's key in the `job` namespace: one per environment, whatever the shard layout."""
    return JOB_NAME


# --- Parsing ---------------------------------------------------------------------------------

#: What an operator may type to name a lock (`floatctl locks show|release KEY`).
LOCK_KEY_FORMS = (
    "float#<id>, <id>, day-before-ach, or namespace/key as floatctl prints it (job/day-before-ach)"
)


def is_job_lock_key(lock_key: str) -> bool:
    """Whether `lock_key` is the job lock's key (one per environment, whatever the shard layout)."""
    return lock_key == job_lock_key()


def parse_namespace(namespace: str | None) -> str | None:
    """A `--namespace` as typed (any case), lower-cased; a one-line UsageError when it is not one."""
    if namespace is None:
        return None
    if namespace.lower() not in LOCK_NAMESPACES:
        raise UsageError(f"--namespace: {namespace!r} is not one of {', '.join(LOCK_NAMESPACES)}")
    return namespace.lower()


def parse_lock_ref(text: str, namespace: str | None = None) -> tuple[str, str]:
    """(namespace, lock key) from a lock as an operator types it (LOCK_KEY_FORMS), with an optional
    `--namespace`; a one-line UsageError when it names no lock."""
    namespace = parse_namespace(namespace)
    key = text
    prefix, slash, rest = text.partition("/")
    if slash and prefix.lower() in LOCK_NAMESPACES and not namespace:
        namespace, key = prefix.lower(), rest
    digits = key.removeprefix(FLOAT_KEY_PREFIX)
    if digits.isdigit():
        if int(digits) < 1:
            raise UsageError(f"KEY: {text!r}: a float id is 1 or more")
        if namespace in (None, FLOAT_NAMESPACE):
            return FLOAT_NAMESPACE, float_lock_key(int(digits))
    if namespace:
        return namespace, key
    if is_job_lock_key(key):
        return JOB_NAMESPACE, key
    raise UsageError(f"KEY: cannot tell the namespace of {text!r}: use {LOCK_KEY_FORMS}, or --namespace")


def parse_float_lock_key(lock_key: str) -> int | None:
    """The float id of a `float#<id>` lock key, or None."""
    rest = lock_key.removeprefix(FLOAT_KEY_PREFIX)
    return int(rest) if rest != lock_key and rest.isdigit() else None


def parse_run_pk(pk: str) -> date | None:
    """The due date of a `run#<due date>` history key, or None."""
    prefix, sep, rest = pk.partition("#")
    if prefix != "run" or not sep:
        return None
    try:
        return date.fromisoformat(rest)
    except ValueError:
        return None


def watch_page_pk(run_date: date) -> str:
    """The history-table key under which `floatctl watch` records the one page it sent for a night."""
    return f"watch#{run_date.isoformat()}"
