"""ECS: the tasks of the job's family (running, described, started, stopped) and its task definitions.

Every call is translated once (aws_errors.translated); the answers come back as frozen values.
ListTasks/DescribeTasks are the container's (the watch reads tonight's tasks); RunTask, StopTask and the
task-definition reads are the operators' (`launch`, `stop`, `preflight`), under their own roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jobs.adapters.aws_errors import translated
from jobs.errors import DependencyError


@dataclass(frozen=True)
class RunningTask:
    """A task of the family that has not STOPPED, with its tags (`business-date`, `operator`, ...)."""

    task_arn: str
    last_status: str | None
    started_by: str | None = None
    created_at: datetime | None = None
    tags: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def short_id(self) -> str:
        return self.task_arn.split("/")[-1]

    def as_json(self) -> dict[str, Any]:
        return {
            "task_arn": self.task_arn,
            "last_status": self.last_status,
            "started_by": self.started_by,
            "created_at": self.created_at,
            "tags": dict(self.tags),
        }


@dataclass(frozen=True)
class TaskState:
    """One task as DescribeTasks saw it: its status, why it stopped, each container's exit code."""

    task_arn: str
    last_status: str
    stopped_reason: str | None = None
    exit_codes: tuple[tuple[str, int | None], ...] = ()  # (container name, exit code), in ECS's order

    @property
    def stopped(self) -> bool:
        return self.last_status == "STOPPED"

    def exit_code(self, container: str) -> int | None:
        """The exit code of `container`, else of the task's first container (None while it runs)."""
        codes = dict(self.exit_codes)
        if container in codes:
            return codes[container]
        return self.exit_codes[0][1] if self.exit_codes else None


@dataclass(frozen=True)
class TaskDefinition:
    """What preflight reads of a task definition: its ARN, its two roles, each container's image."""

    arn: str
    task_role_arn: str = ""
    execution_role_arn: str = ""
    images: tuple[tuple[str, str], ...] = ()  # (container name, image)

    def image_of(self, container: str) -> str:
        """The image of `container`, else of the first container."""
        images = dict(self.images)
        return images.get(container) or (self.images[0][1] if self.images else "")


def revision_of(arn: str) -> int:
    return int(arn.rsplit(":", 1)[-1])


class EcsTasks:
    """The family's tasks on one cluster."""

    def __init__(self, ecs: Any, cluster: str) -> None:
        self.ecs = ecs
        self.cluster = cluster

    def running(self, family: str, exclude: str | None = None) -> list[RunningTask]:
        """Tasks of the family that are not STOPPED (ListTasks desiredStatus=RUNNING, then DescribeTasks),
        without `exclude`: the caller's own task is never a run in progress (the watch, run as a task)."""
        with translated(f"cannot list the tasks of {family}"):
            arns = self.ecs.list_tasks(cluster=self.cluster, family=family, desiredStatus="RUNNING").get(
                "taskArns", []
            )
            arns = [arn for arn in arns if arn != exclude]
            if not arns:
                return []
            tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=arns, include=["TAGS"]).get(
                "tasks", []
            )
        return [
            RunningTask(
                task_arn=t["taskArn"],
                last_status=t.get("lastStatus"),
                started_by=t.get("startedBy"),
                created_at=t.get("createdAt"),
                tags={tag["key"]: tag["value"] for tag in t.get("tags", [])},
            )
            for t in tasks
            if t.get("lastStatus") != "STOPPED"
        ]

    def describe(self, task_arns: list[str]) -> list[TaskState]:
        """The tasks ECS still knows of `task_arns` (it forgets a stopped task after about an hour)."""
        with translated("DescribeTasks failed"):
            tasks = self.ecs.describe_tasks(cluster=self.cluster, tasks=task_arns).get("tasks", [])
        return [
            TaskState(
                task_arn=t["taskArn"],
                last_status=t.get("lastStatus", "?"),
                stopped_reason=t.get("stoppedReason"),
                exit_codes=tuple((c.get("name", ""), c.get("exitCode")) for c in t.get("containers", [])),
            )
            for t in tasks
        ]

    def run_task(self, request: dict[str, Any]) -> str:
        """Start the task the RunTask `request` describes; its ARN, or a one-line error."""
        with translated("RunTask failed"):
            response = self.ecs.run_task(**request)
        if response.get("failures") or not response.get("tasks"):
            reasons = "; ".join(f"{f.get('arn', '')} {f.get('reason')}" for f in response.get("failures", []))
            raise DependencyError(f"RunTask started nothing: {reasons or 'no task returned'}")
        return response["tasks"][0]["taskArn"]

    def stop_task(self, task_arn: str, reason: str) -> None:
        """StopTask: SIGTERM now, SIGKILL after the container's stopTimeout."""
        with translated(f"StopTask failed for {task_arn}"):
            self.ecs.stop_task(cluster=self.cluster, task=task_arn, reason=reason)

    def active_revisions(self, family: str) -> list[str]:
        """The ACTIVE task definition ARNs of exactly `family`, newest first.

        https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html familyPrefix:
        "The full family name to filter the ListTaskDefinitions results with." An emulator matching it as
        a prefix would also list <family>-watch, so only this family's revisions are kept.
        """
        with translated(f"cannot list the task definitions of {family}"):
            arns = self.ecs.list_task_definitions(familyPrefix=family, status="ACTIVE", sort="DESC")[
                "taskDefinitionArns"
            ]
        mine = [a for a in arns if a.rsplit("task-definition/", 1)[-1].rsplit(":", 1)[0] == family]
        return sorted(mine, key=revision_of, reverse=True)

    def latest_task_definition(self, family: str) -> TaskDefinition | None:
        """The newest ACTIVE revision, named explicitly; None when the family has none.

        https://docs.aws.amazon.com/cli/latest/reference/ecs/describe-task-definition.html: "you can simply
        specify the family to find the latest ACTIVE revision in that family". moto answers a family with
        its newest revision even once deregistered (INACTIVE), so the revision is listed first and named.
        """
        revisions = self.active_revisions(family)
        if not revisions:
            return None
        with translated(f"cannot describe task definition {revisions[0]}"):
            found = self.ecs.describe_task_definition(taskDefinition=revisions[0])["taskDefinition"]
        return TaskDefinition(
            arn=found["taskDefinitionArn"],
            task_role_arn=found.get("taskRoleArn", ""),
            execution_role_arn=found.get("executionRoleArn", ""),
            images=tuple(
                (c.get("name", ""), c.get("image", "")) for c in found.get("containerDefinitions", [])
            ),
        )
