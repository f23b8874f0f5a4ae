"""Preflight checks on what was deployed, as ecspresso `verify` does: the image the task definition
names exists in ECR, the task and scheduler roles may do what the night needs, the DLQ is empty.

Nothing is changed: ECR DescribeImages, IAM SimulatePrincipalPolicy and SQS GetQueueAttributes only read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from jobs.oncall.checks import Check, code_of, error_of, guard

# <account>.dkr.ecr.<region>.amazonaws.com/<repository>(:<tag>|@<digest>)
ECR_IMAGE = re.compile(
    r"^(?P<registry>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repository>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
# Who may not simulate, or an endpoint that cannot (moto has no SimulatePrincipalPolicy): not a failure.
SIMULATION_UNAVAILABLE = frozenset(
    {"AccessDenied", "AccessDeniedException", "NotImplemented", "InvalidAction", "UnknownOperationException"}
)

IMAGE = "app image exists in ECR"
TASK_ROLE = "task role may read the stores and call the services"
SCHEDULER_ROLE = "scheduler role may start the task"
DLQ = "scheduler dead-letter queue is empty"


def checks(runtime: Any) -> list[Check]:
    """The deploy checks, reading the latest ACTIVE task definition and the schedule's target once."""
    settings = runtime.settings
    aws = runtime.aws
    try:
        task_def = latest_active_task_definition(aws.client("ecs"), settings.task_family)
    except Exception as exc:
        why = error_of(exc)
        fix = "terraform apply (fargate_collections_jobs.tf)"
        return [Check(name, False, f"no task definition: {why}", fix) for name in (IMAGE, TASK_ROLE)] + [
            _dlq_check(runtime)
        ]
    app = next(
        (c for c in task_def["containerDefinitions"] if c["name"] == settings.app_container),
        task_def["containerDefinitions"][0],
    )
    iam = aws.client("iam")
    return [
        guard(IMAGE, "check ecr:DescribeImages access", lambda: image_check(aws.client("ecr"), app["image"])),
        guard(
            TASK_ROLE,
            "check iam:SimulatePrincipalPolicy access",
            lambda: role_check(iam, TASK_ROLE, task_def.get("taskRoleArn", ""), task_role_needs(settings)),
        ),
        _scheduler_role(runtime, task_def),
        _dlq_check(runtime),
    ]


def latest_active_task_definition(ecs: Any, family: str) -> dict[str, Any]:
    """The newest ACTIVE revision, named explicitly.

    https://docs.aws.amazon.com/cli/latest/reference/ecs/describe-task-definition.html: "you can simply
    specify the family to find the latest ACTIVE revision in that family". moto answers a family with
    its newest revision even once deregistered (INACTIVE), so the revision is listed first and named.
    """
    arns = ecs.list_task_definitions(familyPrefix=family, status="ACTIVE", sort="DESC")["taskDefinitionArns"]
    if not arns:
        raise LookupError(f"no ACTIVE revision of {family}")
    newest = max(arns, key=lambda arn: int(arn.rsplit(":", 1)[-1]))
    return ecs.describe_task_definition(taskDefinition=newest)["taskDefinition"]


def image_check(ecr: Any, image: str) -> Check:
    """The tag (or digest) the task definition names must be in its ECR repository.

    https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_ImageFailure.html lists the
    failureCode values DescribeImages/BatchGetImage report, among them "ImageNotFound"; a missing
    repository is RepositoryNotFoundException ("The specified repository could not be found").
    """
    match = ECR_IMAGE.match(image)
    if match is None:
        return Check(IMAGE, True, f"{image} is not in a private ECR registry: not checked", skipped=True)
    image_id = {"imageDigest": match["digest"]} if match["digest"] else {"imageTag": match["tag"] or "latest"}
    fix = f"push the image (make container-push-collections-jobs) or point the task definition at a pushed tag: {image}"
    try:
        found = ecr.describe_images(
            registryId=match["registry"], repositoryName=match["repository"], imageIds=[image_id]
        )["imageDetails"]
    except Exception as exc:
        if code_of(exc) in {"ImageNotFoundException", "RepositoryNotFoundException"}:
            return Check(IMAGE, False, f"{image}: {code_of(exc)}", fix)
        raise
    if not found:
        return Check(IMAGE, False, f"{image}: not in {match['repository']}", fix)
    pushed = found[0].get("imagePushedAt")
    return Check(
        IMAGE,
        True,
        f"{match['repository']}:{match['tag'] or match['digest']}"
        + (f" pushed {pushed:%Y-%m-%d}" if pushed else ""),
    )


def task_role_needs(settings: Any) -> list[tuple[str, str]]:
    """(action, resource) pairs the container's calls need; the resources are what terraform grants."""
    account_region = f"{settings.region}:{{account}}"
    tables = [
        f"arn:aws:dynamodb:{account_region}:table/{t}" for t in (settings.locks_table, settings.history_table)
    ]
    needs = [
        (a, t)
        for t in tables
        for a in ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query")
    ]
    needs.append(("dynamodb:DeleteItem", tables[0]))
    needs += [
        ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:{account_region}:secret:{s}")
        for s in (settings.main_secret, settings.replica_secret)
    ]
    needs.append(("execute-api:Invoke", "*"))
    return needs


def scheduler_role_needs(task_def: dict[str, Any], dlq_arn: str | None) -> list[tuple[str, str]]:
    family_arn = task_def["taskDefinitionArn"].rsplit(":", 1)[0]
    needs = [("ecs:RunTask", f"{family_arn}:*")]
    needs += [("iam:PassRole", task_def[k]) for k in ("taskRoleArn", "executionRoleArn") if task_def.get(k)]
    if dlq_arn:
        needs.append(("sqs:SendMessage", dlq_arn))
    return needs


def denied(results: Iterable[dict[str, Any]]) -> list[str]:
    """Which simulated calls were not allowed.

    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html: EvalDecision,
    "The result of the simulation." Valid Values: allowed | explicitDeny | implicitDeny.
    """
    return [
        f"{r['EvalActionName']} on {r.get('EvalResourceName', '*')}: {r['EvalDecision']}"
        for r in results
        if r.get("EvalDecision") != "allowed"
    ]


def role_check(iam: Any, name: str, role_arn: str, needs: list[tuple[str, str]]) -> Check:
    """SimulatePrincipalPolicy per resource; skipped with the reason when simulation is unavailable."""
    if not role_arn:
        return Check(name, False, "no role ARN to check", "set the role in terraform")
    account = role_arn.split(":")[4]
    by_resource: dict[str, list[str]] = {}
    for action, resource in needs:
        by_resource.setdefault(resource.replace("{account}", account), []).append(action)
    results: list[dict[str, Any]] = []
    try:
        for resource, actions in by_resource.items():
            results += _simulate(iam, role_arn, actions, resource)
    except Exception as exc:
        if code_of(exc) in SIMULATION_UNAVAILABLE or _not_implemented(exc):
            return Check(name, True, f"skipped: cannot simulate here ({error_of(exc)})", skipped=True)
        raise
    missing = denied(results)
    role = role_arn.rsplit("/", 1)[-1]
    if missing:
        return Check(name, False, f"{role}: " + "; ".join(missing), f"grant these to {role} in terraform")
    return Check(name, True, f"{role}: {len(results)} calls allowed")


def _simulate(iam: Any, role_arn: str, actions: list[str], resource: str) -> list[dict[str, Any]]:
    pages: Callable[..., Any] = iam.get_paginator("simulate_principal_policy").paginate
    found: list[dict[str, Any]] = []
    for page in pages(PolicySourceArn=role_arn, ActionNames=actions, ResourceArns=[resource]):
        found += page["EvaluationResults"]
    return found


def _not_implemented(exc: Exception) -> bool:
    status = getattr(exc, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status in (404, 501) or "not yet implemented" in str(exc).lower()


def _schedule_target(runtime: Any) -> dict[str, Any]:
    settings = runtime.settings
    schedule = runtime.aws.client("scheduler").get_schedule(
        Name=settings.schedule_name, GroupName=settings.schedule_group
    )
    return schedule.get("Target") or {}


def _scheduler_role(runtime: Any, task_def: dict[str, Any]) -> Check:
    def body() -> Check:
        target = _schedule_target(runtime)
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        return role_check(
            runtime.aws.client("iam"),
            SCHEDULER_ROLE,
            target.get("RoleArn", ""),
            scheduler_role_needs(task_def, dlq),
        )

    return guard(SCHEDULER_ROLE, "check scheduler:GetSchedule and iam:SimulatePrincipalPolicy access", body)


def _dlq_check(runtime: Any) -> Check:
    def body() -> Check:
        """A message here is a fire Scheduler could not deliver.

        https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueAttributes.html:
        ApproximateNumberOfMessages "Returns the approximate number of messages available for retrieval
        from the queue"; ApproximateNumberOfMessagesNotVisible counts those "in flight".
        """
        dlq = (_schedule_target(runtime).get("DeadLetterConfig") or {}).get("Arn")
        if not dlq:
            return Check(
                DLQ,
                False,
                "the schedule has no dead-letter queue",
                "set target.dead_letter_config in terraform",
            )
        sqs = runtime.aws.client("sqs")
        _, _, _, region, account, name = dlq.split(":")
        url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        counts = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        waiting = sum(int(v) for v in counts.values())
        return Check(
            DLQ,
            waiting == 0,
            f"{name}: {waiting} message{'s' if waiting != 1 else ''}",
            "a fire failed to start: read it with `floatctl status`, then purge the queue once handled",
        )

    return guard(DLQ, "check sqs:GetQueueAttributes access", body)
