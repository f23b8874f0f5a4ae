"""Messages the screens' thread workers post, each named for what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.message import Message


class StatusLoaded(Message):
    """The on-call facts were gathered: the JSON document of `floatctl status`, its labelled lines, and
    the schedule's pause or resume notice (None when there is nothing to say)."""

    def __init__(
        self, facts: Any, document: dict[str, Any], fields: list[tuple[str, str]], notice: Any = None
    ) -> None:
        super().__init__()
        self.facts = facts
        self.document = document
        self.fields = fields
        self.notice = notice


class PreviewLoaded(Message):
    """The dry run of a run date finished: every float with every rule's result."""

    def __init__(self, preview: Any) -> None:
        super().__init__()
        self.preview = preview


class PreviewExported(Message):
    """The shown preview rows were written to a CSV file."""

    def __init__(self, path: Path, rows: int) -> None:
        super().__init__()
        self.path = path
        self.rows = rows


class LocksLoaded(Message):
    """The locks of both namespaces were read, each with its state."""

    def __init__(self, views: list[Any], now: float) -> None:
        super().__init__()
        self.views = views
        self.now = now


class LockReleased(Message):
    """A lock was deleted (conditionally on the rvn the operator saw) and the release audited."""

    def __init__(self, target: str, was_state: str, operator: str) -> None:
        super().__init__()
        self.target = target
        self.was_state = was_state
        self.operator = operator


class HistoryLoaded(Message):
    """A history search came back (run records, float events, audit events)."""

    def __init__(self, query: str, findings: Any) -> None:
        super().__init__()
        self.query = query
        self.findings = findings


class RunsLoaded(Message):
    """The run records of the last nights were read (jobs.oncall.runs.recent_runs)."""

    def __init__(self, nights: Any) -> None:
        super().__init__()
        self.nights = nights


class StopPlanned(Message):
    """The stop guards ran: which run and task a stop would end (nothing was stopped)."""

    def __init__(self, plan: Any) -> None:
        super().__init__()
        self.plan = plan


class RunStopped(Message):
    """StopTask was sent, audited, and the run record reached the state it ended in."""

    def __init__(self, result: Any, plan: Any) -> None:
        super().__init__()
        self.result = result
        self.plan = plan


class LaunchPlanned(Message):
    """The launch guards ran and the RunTask request was built; nothing was started."""

    def __init__(self, plan: Any) -> None:
        super().__init__()
        self.plan = plan


class TaskLaunched(Message):
    """RunTask started the task (and the launch was audited)."""

    def __init__(self, task_arn: str) -> None:
        super().__init__()
        self.task_arn = task_arn


class TaskUpdated(Message):
    """The followed task changed status, or its run record its counts."""

    def __init__(self, update: Any) -> None:
        super().__init__()
        self.update = update


class TaskFinished(Message):
    """The followed task stopped; `exit_code` is its app container's."""

    def __init__(self, exit_code: int) -> None:
        super().__init__()
        self.exit_code = exit_code


class LaunchNumbersLoaded(Message):
    """What a launch of the plan's night would submit, and past the cutoff what slips (plan_relaunch)."""

    def __init__(self, plan: Any, numbers: dict[str, Any]) -> None:
        super().__init__()
        self.plan = plan
        self.numbers = numbers
