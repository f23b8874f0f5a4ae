"""Is a lock's owner provably dead? A local process that is gone, or an ECS task that has STOPPED."""

from __future__ import annotations

import os
import socket
from typing import Any


def this_owner_task(task_arn: str | None) -> str:
    """How this process names itself as a lock owner: its ECS task ARN, or host:pid."""
    return task_arn or f"{socket.gethostname()}:{os.getpid()}"


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] == "Z"
    except OSError:
        return False


class OwnerLiveness:
    """Answers `owner_is_dead(owner_task)`; anything it cannot prove dead counts as alive."""

    def __init__(self, ecs: Any = None, cluster: str | None = None) -> None:
        self.ecs = ecs
        self.cluster = cluster

    def __call__(self, owner_task: str) -> bool:
        return self.owner_is_dead(owner_task)

    def owner_is_dead(self, owner_task: str) -> bool:
        if owner_task.startswith("arn:") and ":task/" in owner_task:
            return self._task_stopped(owner_task)
        host, _, pid = owner_task.rpartition(":")
        if host == socket.gethostname() and pid.isdigit():
            return _pid_gone(int(pid))
        return False

    def describe(self, owner_task: str) -> str:
        """alive, dead, or unknown (another host we cannot see)."""
        if self.owner_is_dead(owner_task):
            return "dead"
        host, _, pid = owner_task.rpartition(":")
        if owner_task.startswith("arn:") or (host == socket.gethostname() and pid.isdigit()):
            return "alive"
        return "unknown"

    def _task_stopped(self, task_arn: str) -> bool:
        if self.ecs is None:
            return False
        cluster = self.cluster or task_arn.split(":task/")[-1].split("/")[0]
        try:
            response = self.ecs.describe_tasks(cluster=cluster, tasks=[task_arn])
        except Exception:
            return False  # cannot prove anything
        tasks = response.get("tasks", [])
        if not tasks:
            # ECS forgets a stopped task after about an hour; a MISSING failure means it is long gone.
            return any(f.get("reason") == "MISSING" for f in response.get("failures", []))
        return tasks[0].get("lastStatus") == "STOPPED"
