"""What the task and scheduler roles must be allowed, and the check that asks IAM
(SimulatePrincipalPolicy, read only) whether they are. The lists equal what jobs/ calls and terraform
grants (tests/infra/test_role_grants.py); preflight_deploy.py runs the check on what was deployed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from jobs.domain.keys import watch_page_pk
from jobs.oncall.checks import Check

if TYPE_CHECKING:
    from jobs.adapters.ecs import TaskDefinition
    from jobs.adapters.iam import Decision, PolicySimulator

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


def scheduler_role_needs(task_def: TaskDefinition, cluster_arn: str, dlq_arn: str | None) -> list[Need]:
    """RunTask of this revision on the cluster, PassRole of its two roles to ECS tasks, the DLQ send."""
    on_cluster = (("ecs:cluster", "string", (cluster_arn,)),)
    revision = task_def.arn
    # The schedule names the family (any revision); RunTask authorises that against the latest revision.
    needs = [Need("ecs:RunTask", arn, on_cluster) for arn in (revision.rsplit(":", 1)[0], revision)]
    to_ecs = (("iam:PassedToService", "string", ("ecs-tasks.amazonaws.com",)),)
    needs += [
        Need("iam:PassRole", role, to_ecs)
        for role in (task_def.task_role_arn, task_def.execution_role_arn)
        if role
    ]
    if dlq_arn:
        needs.append(Need("sqs:SendMessage", dlq_arn))
    return needs


def denied(results: Iterable[Decision]) -> list[str]:
    """Which simulated calls were not allowed (jobs.adapters.iam.Decision)."""
    return [f"{r.action} on {r.resource}: {r.decision}" for r in results if not r.allowed]


def role_check(
    simulator: PolicySimulator, name: str, role_arn: str, needs: list[Need], note: str = ""
) -> Check:
    """SimulatePrincipalPolicy per resource and condition context; skipped with the reason when
    simulation is unavailable.

    Without the condition context (jobs.adapters.iam.PolicySimulator.simulate) a statement conditioned
    on ecs:cluster, iam:PassedToService, s3:prefix or dynamodb:LeadingKeys cannot match, and its call
    comes back implicitDeny.
    """
    from jobs.adapters.iam import SimulationUnavailable

    if not role_arn:
        return Check(name, False, "no role ARN to check", "set the role in terraform")
    account = role_arn.split(":")[4]
    groups: dict[tuple[str, tuple[tuple[str, str, tuple[str, ...]], ...]], list[Need]] = {}
    for need in needs:
        need = need.in_account(account)
        groups.setdefault((need.resource, need.context), []).append(need)
    results: list[Decision] = []
    try:
        for (resource, _), grouped in groups.items():
            context = grouped[0].context_entries()
            results += simulator.simulate(role_arn, [n.action for n in grouped], resource, context)
    except SimulationUnavailable as exc:
        return Check(name, True, f"skipped: cannot simulate here ({exc.message})", skipped=True)
    missing = denied(results)
    role = role_arn.rsplit("/", 1)[-1]
    tail = f"; {note}" if note else ""
    if missing:
        return Check(
            name, False, f"{role}: " + "; ".join(missing) + tail, f"grant these to {role} in terraform"
        )
    return Check(name, True, f"{role}: {len(results)} calls allowed{tail}")
