"""Preflight checks on what was deployed, as ecspresso `verify` does: the image the task definition
names exists in ECR, the task and scheduler roles may do what the night needs, the DLQ is empty.

Nothing is changed: ECR DescribeImages, Secrets Manager DescribeSecret, IAM SimulatePrincipalPolicy and
SQS GetQueueAttributes only read. The roles' lists equal what jobs/ calls and terraform grants
(tests/infra/test_role_grants.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from jobs.domain.keys import watch_page_pk
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

# `<api id>.execute-api.<region>.amazonaws.com`: the only URL form whose API id IAM can be asked about.
EXECUTE_API_HOST = re.compile(r"^(?P<api>[a-z0-9]+)\.execute-api\.[a-z0-9-]+\.amazonaws\.com$")

# What the container calls (tests/infra/test_role_grants.py proves each list equal to jobs/ and to terraform).
LOCKS_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:Query",
    "dynamodb:DeleteItem",
)
HISTORY_ACTIONS = ("dynamodb:PutItem", "dynamodb:Query")
HISTORY_INDEXES = ("by_run_id", "by_user_id")
PAGE_LEDGER_ACTIONS = ("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")  # watch#<date> only
DLQ_ACTIONS = ("sqs:GetQueueUrl", "sqs:ReceiveMessage")
PAYMENTS_CALLS = (("POST", "/v1/ach/next-day"), ("GET", "/v1/ach/next-day/{}"))
USERS_CALLS = (("GET", "/v1/users/{}/debit-cards"),)

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
    return [
        guard(IMAGE, "check ecr:DescribeImages access", lambda: image_check(aws.client("ecr"), app["image"])),
        _task_role(runtime, task_def),
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
    # https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ListTaskDefinitions.html familyPrefix:
    # "The full family name to filter the ListTaskDefinitions results with." An emulator matching it as a
    # prefix would also list <family>-watch, so only this family's revisions are kept.
    arns = [a for a in arns if a.rsplit("task-definition/", 1)[-1].rsplit(":", 1)[0] == family]
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


@dataclass(frozen=True)
class Need:
    """One call a role must be allowed: the action, the resource ARN (`{account}` filled in from the
    role's ARN) and the condition keys the real request carries, as (key, type, values)."""

    action: str
    resource: str
    context: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    def in_account(self, account: str) -> Need:
        """This need with `{account}` replaced in its resource and context values."""
        context = tuple(
            (k, t, tuple(v.replace("{account}", account) for v in vs)) for k, t, vs in self.context
        )
        return Need(self.action, self.resource.replace("{account}", account), context)

    def context_entries(self) -> list[dict[str, Any]]:
        """SimulatePrincipalPolicy's ContextEntries for this call's condition keys."""
        return [
            {"ContextKeyName": key, "ContextKeyType": kind, "ContextKeyValues": list(values)}
            for key, kind, values in self.context
        ]


def task_role_needs(settings: Any, secret_arns: Mapping[str, str], dlq_arn: str | None = None) -> list[Need]:
    """What the batch and the deadline watch call, on the resources terraform grants.

    `secret_arns`: each RDS secret's full ARN (AWS appends a random suffix to the name, so the
    grant names the ARN, not the name); `dlq_arn`: the batch schedule's dead-letter queue.
    """

    def arn(service: str, resource: str) -> str:
        return f"arn:aws:{service}:{settings.region}:{{account}}:{resource}"

    locks, history = (arn("dynamodb", f"table/{t}") for t in (settings.locks_table, settings.history_table))
    page_key = (("dynamodb:LeadingKeys", "stringList", (watch_page_pk(date(2000, 1, 3)),)),)
    cluster = (("ecs:cluster", "string", (arn("ecs", f"cluster/{settings.cluster}"),)),)
    needs = [Need(a, locks) for a in LOCKS_ACTIONS]
    needs += [Need(a, history) for a in HISTORY_ACTIONS]
    needs += [Need("dynamodb:Query", f"{history}/index/{index}") for index in HISTORY_INDEXES]
    needs += [Need(a, history, page_key) for a in PAGE_LEDGER_ACTIONS]
    needs += [
        Need("secretsmanager:GetSecretValue", secret_arns[s])
        for s in (settings.main_secret, settings.replica_secret)
    ]
    needs.append(Need("secretsmanager:BatchGetSecretValue", "*"))
    needs.append(Need("ecs:DescribeTasks", arn("ecs", f"task/{settings.cluster}/*")))
    needs.append(Need("ecs:ListTasks", "*", cluster))
    schedule = f"schedule/{settings.schedule_group}/{settings.schedule_name}"
    needs.append(Need("scheduler:GetSchedule", arn("scheduler", schedule)))
    if dlq_arn:
        needs += [Need(a, dlq_arn) for a in DLQ_ACTIONS]
    for topic_arn, topic in (
        (settings.alert_topic_arn, settings.alert_topic_name),
        (settings.finance_topic_arn, settings.finance_topic_name),
    ):
        needs.append(Need("sns:Publish", topic_arn or arn("sns", topic)))
    if settings.preview_bucket:
        bucket = f"arn:aws:s3:::{settings.preview_bucket}"
        prefix = (("s3:prefix", "string", (f"previews/{settings.env}-",)),)
        needs.append(Need("s3:ListBucket", bucket, prefix))
        needs.append(Need("s3:GetObject", f"{bucket}/previews/{settings.env}-example.json"))
    needs += api_needs(settings.region, settings.payments_api_url, PAYMENTS_CALLS)
    needs += api_needs(settings.region, settings.users_api_url, USERS_CALLS)
    return needs


def api_needs(region: str, url: str | None, calls: Iterable[tuple[str, str]]) -> list[Need]:
    """execute-api:Invoke on each (method, path) the client calls; none for a URL that is not an
    execute-api URL (a custom domain hides the API id: said in the check's detail instead).

    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-iam-policy-examples-for-api-execution.html
    grants e.g. "arn:aws:execute-api:us-east-1:*:a123456789/test/POST/my-demo-resource-path/*".
    """
    parts = urlsplit(url or "")
    host = EXECUTE_API_HOST.match(parts.hostname or "")
    stage, _, base = parts.path.strip("/").partition("/")
    if host is None or not stage:
        return []
    prefix = f"arn:aws:execute-api:{region}:{{account}}:{host['api']}/{stage}"
    base_path = f"/{base}" if base else ""
    return [
        Need("execute-api:Invoke", f"{prefix}/{method}{base_path}{path.replace('{}', 'example')}")
        for method, path in calls
    ]


def unsimulated_apis(settings: Any) -> list[str]:
    """The service URLs whose Invoke grant cannot be simulated (not an execute-api URL)."""
    urls = {"PAYMENTS_API_URL": settings.payments_api_url, "USERS_API_URL": settings.users_api_url}
    return [name for name, url in urls.items() if url and not api_needs(settings.region, url, [("GET", "/")])]


def scheduler_role_needs(task_def: dict[str, Any], cluster_arn: str, dlq_arn: str | None) -> list[Need]:
    """RunTask of this revision on the cluster, PassRole of its two roles to ECS tasks, the DLQ send."""
    on_cluster = (("ecs:cluster", "string", (cluster_arn,)),)
    revision = task_def["taskDefinitionArn"]
    # The schedule names the family (any revision); RunTask authorises that against the latest revision.
    needs = [Need("ecs:RunTask", arn, on_cluster) for arn in (revision.rsplit(":", 1)[0], revision)]
    to_ecs = (("iam:PassedToService", "string", ("ecs-tasks.amazonaws.com",)),)
    needs += [
        Need("iam:PassRole", task_def[k], to_ecs)
        for k in ("taskRoleArn", "executionRoleArn")
        if task_def.get(k)
    ]
    if dlq_arn:
        needs.append(Need("sqs:SendMessage", dlq_arn))
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


def role_check(iam: Any, name: str, role_arn: str, needs: list[Need], note: str = "") -> Check:
    """SimulatePrincipalPolicy per resource and condition context; skipped with the reason when
    simulation is unavailable.

    https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html ContextEntries:
    "A list of context keys and corresponding values for the simulation to use. Whenever a context key
    is evaluated in one of the simulated IAM permissions policies, the corresponding value is supplied."
    Without them a statement conditioned on ecs:cluster, iam:PassedToService, s3:prefix or
    dynamodb:LeadingKeys cannot match, and its call comes back implicitDeny.
    """
    if not role_arn:
        return Check(name, False, "no role ARN to check", "set the role in terraform")
    account = role_arn.split(":")[4]
    groups: dict[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], list[Need]] = {}
    for need in needs:
        need = need.in_account(account)
        groups.setdefault((need.resource, need.context), []).append(need)
    results: list[dict[str, Any]] = []
    try:
        for (resource, _), grouped in groups.items():
            results += _simulate(iam, role_arn, grouped, resource)
    except Exception as exc:
        if code_of(exc) in SIMULATION_UNAVAILABLE or _not_implemented(exc):
            return Check(name, True, f"skipped: cannot simulate here ({error_of(exc)})", skipped=True)
        raise
    missing = denied(results)
    role = role_arn.rsplit("/", 1)[-1]
    tail = f"; {note}" if note else ""
    if missing:
        return Check(
            name, False, f"{role}: " + "; ".join(missing) + tail, f"grant these to {role} in terraform"
        )
    return Check(name, True, f"{role}: {len(results)} calls allowed{tail}")


def _simulate(iam: Any, role_arn: str, needs: list[Need], resource: str) -> list[dict[str, Any]]:
    pages: Callable[..., Any] = iam.get_paginator("simulate_principal_policy").paginate
    request: dict[str, Any] = {
        "PolicySourceArn": role_arn,
        "ActionNames": [n.action for n in needs],
        "ResourceArns": [resource],
    }
    if needs[0].context:
        request["ContextEntries"] = needs[0].context_entries()
    found: list[dict[str, Any]] = []
    for page in pages(**request):
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


def _task_role(runtime: Any, task_def: dict[str, Any]) -> Check:
    def body() -> Check:
        settings = runtime.settings
        secrets = runtime.aws.client("secretsmanager")
        secret_arns = {
            name: secrets.describe_secret(SecretId=name)["ARN"]
            for name in (settings.main_secret, settings.replica_secret)
        }
        dlq = (_schedule_target(runtime).get("DeadLetterConfig") or {}).get("Arn")
        unsimulated = unsimulated_apis(settings)
        note = (
            f"execute-api:Invoke not simulated for {', '.join(unsimulated)} (not an execute-api URL)"
            if unsimulated
            else ""
        )
        return role_check(
            runtime.aws.client("iam"),
            TASK_ROLE,
            task_def.get("taskRoleArn", ""),
            task_role_needs(settings, secret_arns, dlq),
            note,
        )

    fix = "check secretsmanager:DescribeSecret, scheduler:GetSchedule and iam:SimulatePrincipalPolicy access"
    return guard(TASK_ROLE, fix, body)


def _scheduler_role(runtime: Any, task_def: dict[str, Any]) -> Check:
    def body() -> Check:
        target = _schedule_target(runtime)
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        return role_check(
            runtime.aws.client("iam"),
            SCHEDULER_ROLE,
            target.get("RoleArn", ""),
            scheduler_role_needs(task_def, target.get("Arn", ""), dlq),
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
