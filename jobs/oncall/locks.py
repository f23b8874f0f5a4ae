"""What an operator does with locks: list them with their state, and release one safely.

`floatctl locks` and the TUI's locks screen call these; the release guards live here only.
"""

from __future__ import annotations

from jobs.adapters.locks import FLOAT_NAMESPACE, JOB_NAMESPACE
from jobs.oncall import commands
from jobs.oncall.lock_view import LockView, view_lock
from jobs.oncall.ports import OncallRuntime
from jobs.words import duration

LOCK_NAMESPACES = (JOB_NAMESPACE, FLOAT_NAMESPACE)


def lock_views(runtime: OncallRuntime, namespaces: tuple[str, ...] | list[str], now: float) -> list[LockView]:
    """Every lock of the namespaces (by Query), each with its state: `locks list` and the TUI's locks screen."""
    locks, liveness = runtime.locks(), runtime.liveness()
    return [view_lock(lease, liveness, now) for ns in namespaces for lease in locks.list(ns)]


def check_release(
    runtime: OncallRuntime,
    namespace: str,
    lock_key: str,
    rvn: str,
    force: bool,
    now: float,
    shown_as: str | None = None,
) -> LockView:
    """The release guards: the lock exists, still carries the `rvn` the operator saw, and is not live
    unless forced. Returns the lock as it is now; raises the refusal otherwise."""
    from jobs.errors import FloatctlError, RefusedError

    lease = runtime.locks().get(namespace, lock_key)
    if lease is None:
        raise FloatctlError(f"no lock {namespace}/{lock_key}: nothing to release")
    view = view_lock(lease, runtime.liveness(), now)
    if lease.rvn != rvn:
        raise RefusedError(
            f"rvn {rvn} does not match the lock's rvn: it changed since you looked, or was mistyped",
            hint=f"run {commands.floatctl(runtime.settings.env, 'locks', 'show', shown_as or lock_key)} again",
        )
    if view.state == "live" and not force:
        raise RefusedError(
            f"{namespace}/{lock_key} is live ({view.holder()}, {duration(lease.seconds_left())} left)",
            hint="wait for it to expire, or pass --force if you know the owner is gone",
        )
    return view


def release_lock(runtime: OncallRuntime, view: LockView, reason: str, operator: str, now: float) -> None:
    """Delete the lock conditionally on the rvn that was checked, then write the audit event."""
    from jobs.adapters.audit import AuditEvent
    from jobs.errors import RefusedError
    from jobs.oncall.policy import check_reason

    reason = check_reason(runtime.settings.env, "lock.release", reason) or ""
    lease = view.lease
    with runtime.operator_span("lock.release", lock=f"{lease.namespace}/{lease.lock_key}"):
        if not runtime.locks().delete(lease.namespace, lease.lock_key, lease.rvn):
            raise RefusedError(
                "the lock changed while you confirmed; nothing released: look again with locks show"
            )
        runtime.audit().record(
            AuditEvent(
                actor=operator,
                action="lock.release",
                target=f"{lease.namespace}/{lease.lock_key}",
                reason=reason,
                before=view.as_json(now),
                after=None,
            )
        )
