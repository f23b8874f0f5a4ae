"""Named crash points for the reliability suite: FLOATCTL_CRASH_AT=<point>:<n> SIGKILLs this process
the n-th time it reaches <point>. Unset (always, in production) it costs one dictionary lookup.

Points: after_lock (a float lock is held, nothing submitted), after_pending (ACH_PENDING written,
Payments not called), after_submit (Payments answered, the outcome not yet written).
"""

from __future__ import annotations

import os
import signal
import threading

POINTS = ("after_lock", "after_pending", "after_submit")
_spec = os.environ.get("FLOATCTL_CRASH_AT", "")
_point, _, _nth = _spec.partition(":")
_target = int(_nth) if _nth.isdigit() else 1
_count = 0
_lock = threading.Lock()


def reached(point: str) -> None:
    """Count a pass through `point`; die like `kill -9` on the configured pass."""
    global _count
    if point != _point:
        return
    with _lock:
        _count += 1
        hit = _count == _target
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)
