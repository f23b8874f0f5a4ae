"""Preflight checks on what was deployed, as ecspresso `verify` does: the image the task definition
names exists in ECR, the task and scheduler roles may do what the night needs (preflight_roles.py),
the DLQ is empty.

Nothing is changed: ECR DescribeImages, Secrets Manager DescribeSecret, IAM SimulatePrincipalPolicy and
SQS GetQueueAttributes only read.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jobs.oncall.checks import Check, error_of, guard
from jobs.oncall.preflight_roles import role_check, scheduler_role_needs, task_role_needs, unsimulated_apis

if TYPE_CHECKING:
    from jobs.adapters.ecr import EcrImages
    from jobs.adapters.ecs import TaskDefinition
    from jobs.oncall.ports import PreflightRuntime

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@<digest>)
ECR_IMAGE = re.compile(
    r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)

IMAGE = "app image exists in ECR"
TASK_ROLE = "task role may read the stores and call the services"
SCHEDULER_ROLE = "scheduler role may start the task"
DLQ = "scheduler dead-letter queue is empty"


def checks(runtime: PreflightRuntime) -> list[Check]:
    """The deploy checks, reading the latest ACTIVE task definition and the schedule's target once."""
    settings = runtime.settings
    fix = "terraform apply (fargate_collections_jobs.tf)"
    try:
        task_def = runtime.ecs().latest_task_definition(settings.task_family)
        why = f"no ACTIVE revision of {settings.task_family}"
    except Exception as exc:
        task_def, why = None, error_of(exc)
    if task_def is None:
        return [Check(name, False, f"no task definition: {why}", fix) for name in (IMAGE, TASK_ROLE)] + [
            _dlq_check(runtime)
        ]
    image = task_def.image_of(settings.app_container)
    return [
        guard(IMAGE, "check ecr:DescribeImages access", lambda: image_check(runtime.images(), image)),
        _task_role(runtime, task_def),
        _scheduler_role(runtime, task_def),
        _dlq_check(runtime),
    ]


def image_check(images: EcrImages, image: str) -> Check:
    """The tag (or digest) the task definition names must be in its ECR repository."""
    match = ECR_IMAGE.match(image)
    if match is None:
        return Check(IMAGE, True, f"{image} is not in a private ECR registry: not checked", skipped=True)
    fix = f"push the image (make container-push-collections-jobs) or point the task definition at a pushed tag: {image}"
    found = images.lookup(match["registry"], match["repository"], match["tag"], match["digest"])
    if not found.found:
        return Check(IMAGE, False, f"{image}: {found.missing}", fix)
    pushed = found.pushed_at
    return Check(
        IMAGE,
        True,
        f"{match['repository']}:{match['tag'] or match['digest']}"
        + (f" pushed {pushed:%Y-%m-%d}" if pushed else ""),
    )


def _task_role(runtime: PreflightRuntime, task_def: TaskDefinition) -> Check:
    def body() -> Check:
        settings = runtime.settings
        secrets = runtime.secrets()
        secret_arns = {name: secrets.arn(name) for name in (settings.main_secret, settings.replica_secret)}
        dlq = runtime.schedule().read().dead_letter_arn
        unsimulated = unsimulated_apis(settings)
        note = (
            f"execute-api:Invoke not simulated for {', '.join(unsimulated)} (not an execute-api URL)"
            if unsimulated
            else ""
        )
        return role_check(
            runtime.simulator(),
            TASK_ROLE,
            task_def.task_role_arn,
            task_role_needs(settings, secret_arns, dlq),
            note,
        )

    fix = "check secretsmanager:DescribeSecret, scheduler:GetSchedule and iam:SimulatePrincipalPolicy access"
    return guard(TASK_ROLE, fix, body)


def _scheduler_role(runtime: PreflightRuntime, task_def: TaskDefinition) -> Check:
    def body() -> Check:
        schedule = runtime.schedule().read()
        return role_check(
            runtime.simulator(),
            SCHEDULER_ROLE,
            schedule.target.get("RoleArn", ""),
            scheduler_role_needs(task_def, schedule.target.get("Arn", ""), schedule.dead_letter_arn),
        )

    return guard(SCHEDULER_ROLE, "check scheduler:GetSchedule and iam:SimulatePrincipalPolicy access", body)


def _dlq_check(runtime: PreflightRuntime) -> Check:
    def body() -> Check:
        """A message here is a fire Scheduler could not deliver (jobs.adapters.sqs.Queue.depth)."""
        dlq = runtime.schedule().read().dead_letter_arn
        if not dlq:
            return Check(
                DLQ,
                False,
                "the schedule has no dead-letter queue",
                "set target.dead_letter_config in terraform",
            )
        queue = runtime.dead_letters(dlq).queue()
        waiting = queue.depth()
        return Check(
            DLQ,
            waiting == 0,
            f"{queue.name}: {waiting} message{'s' if waiting != 1 else ''}",
            "a fire failed to start: read it with `floatctl status`, then purge the queue once handled",
        )

    return guard(DLQ, "check sqs:GetQueueAttributes access", body)
