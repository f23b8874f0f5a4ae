"""The task and scheduler roles: what jobs/ calls == what terraform grants == what `floatctl preflight`
simulates, each read from its own source so none of the three can drift from the others."""

from __future__ import annotations

import ast
from datetime import date

import pytest

from jobs.adapters.ecs import TaskDefinition
from jobs.domain import keys
from jobs.oncall import preflight_roles as preflight
from jobs.settings import Settings
from tests.infra.code_calls import (
    CONTAINER_CODE,
    client_calls,
    dynamodb_actions_by_table,
    dynamodb_calls,
    service_calls,
)
from tests.infra.iam_grants import (
    ACCOUNT,
    PAYMENTS_API,
    SECRET_SUFFIX,
    SITE,
    USERS_API,
    Concrete,
    allowed_by,
    arn_matches,
    grants,
)
from tests.infra.support import REPO

TASK_POLICIES = ("collections_jobs_task", "collections_jobs_task_finance")

# Each boto3 call of the container (tests/infra/code_calls.py finds them) -> the IAM actions it needs.
CALL_ACTIONS = {
    # https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html
    # "Required permissions: secretsmanager:BatchGetSecretValue, and you must have
    # secretsmanager:GetSecretValue for each secret."
    ("secretsmanager", "batch_get_secret_value"): {
        "secretsmanager:BatchGetSecretValue",
        "secretsmanager:GetSecretValue",
    },
    ("ecs", "describe_tasks"): {"ecs:DescribeTasks"},
    ("ecs", "list_tasks"): {"ecs:ListTasks"},
    ("scheduler", "get_schedule"): {"scheduler:GetSchedule"},
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_GetQueueUrl.html "The
    # queue's owner must grant you permission to access the queue." and
    # https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html
    # "To specify an action, use the sqs: prefix followed by the action name".
    ("sqs", "get_queue_url"): {"sqs:GetQueueUrl"},
    ("sqs", "receive_message"): {"sqs:ReceiveMessage"},
    ("sns", "publish"): {"sns:Publish"},
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html "General purpose bucket
    # permissions - To use this operation, you must have READ access to the bucket. You must have
    # permission to perform the s3:ListBucket action."
    ("s3", "list_objects_v2"): {"s3:ListBucket"},
    ("s3", "get_object"): {"s3:GetObject"},
    # Only `floatctl preview --save` (an operator, with the SSO role) writes a sign-off; the task reads.
    ("s3", "put_object"): set(),
    # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html "No permissions are
    # required to perform this operation."
    ("sts", "get_caller_identity"): set(),
    # The operators' calls: made by adapter methods only operator commands call (OPERATOR_METHODS).
    ("ecs", "run_task"): set(),
    ("ecs", "stop_task"): set(),
    ("ecs", "list_task_definitions"): set(),
    ("ecs", "describe_task_definition"): set(),
    ("scheduler", "update_schedule"): set(),
    ("sqs", "get_queue_attributes"): set(),
    ("secretsmanager", "describe_secret"): set(),
    ("ecr", "describe_images"): set(),
    ("iam", "simulate_principal_policy"): set(),
}

# The adapter method making each operator-only call -> the on-call modules that may call it: `launch`,
# `recover`, `stop`, `schedule pause|resume` and `preflight` run with the operators' roles.
LAUNCH, STOP, SCHEDULE = "jobs/oncall/launch.py", "jobs/oncall/stop.py", "jobs/oncall/schedule_control.py"
PREFLIGHT = ("jobs/oncall/preflight.py", "jobs/oncall/preflight_deploy.py", "jobs/oncall/preflight_roles.py")
OPERATOR_METHODS = {
    ("ecs", "run_task"): ("EcsTasks.run_task", (LAUNCH,)),
    ("ecs", "stop_task"): ("EcsTasks.stop_task", (STOP,)),
    ("ecs", "list_task_definitions"): ("EcsTasks.active_revisions", PREFLIGHT),
    ("ecs", "describe_task_definition"): ("EcsTasks.latest_task_definition", PREFLIGHT),
    ("scheduler", "update_schedule"): ("ScheduleClient.set_state", (SCHEDULE,)),
    ("sqs", "get_queue_attributes"): ("Queue.depth", PREFLIGHT),
    ("secretsmanager", "describe_secret"): ("Secrets.arn", PREFLIGHT),
    ("ecr", "describe_images"): ("EcrImages.lookup", PREFLIGHT),
    ("iam", "simulate_principal_policy"): ("PolicySimulator.simulate", PREFLIGHT),
}


@pytest.fixture(scope="module")
def task_grants(terraform):
    return grants(terraform, *TASK_POLICIES)


@pytest.fixture(scope="module")
def settings() -> Settings:
    """The container's settings in SITE, as terraform's environment variables set them."""
    return Settings.load(
        {},
        env=SITE,
        payments_api_url=PAYMENTS_API["url"],
        users_api_url=USERS_API["url"],
        preview_bucket=f"{SITE}-floats-signed-off-previews",
    )


@pytest.fixture(scope="module")
def task_needs(terraform, settings):
    concrete = Concrete(terraform)
    secret_arns = {
        name: f"arn:aws:secretsmanager:{settings.region}:{ACCOUNT}:secret:{name}{SECRET_SUFFIX}"
        for name in (settings.main_secret, settings.replica_secret)
    }
    dlq = concrete("${aws_sqs_queue.schedule_dlq.arn}")
    return _filled(preflight.task_role_needs(settings, secret_arns, dlq))


def _filled(needs):
    """(action, resource, {condition key: values}) of each need, in ACCOUNT."""
    return [
        (n.action, n.resource, {k: v for k, _, v in n.context})
        for n in (m.in_account(ACCOUNT) for m in needs)
    ]


def _code_actions() -> set[str]:
    actions = set().union(*(CALL_ACTIONS[call] for call in client_calls()))
    actions |= set().union(*dynamodb_actions_by_table().values())
    if service_calls():
        actions.add("execute-api:Invoke")  # jobs/adapters/signed_http.py signs for "execute-api"
    return actions


def test_every_aws_call_of_the_container_has_a_decided_grant():
    found = client_calls()
    assert set(found) == set(CALL_ACTIONS), {
        "called but not decided": {c: found[c] for c in set(found) - set(CALL_ACTIONS)},
        "decided but no longer called": set(CALL_ACTIONS) - set(found),
    }
    assert any(p.name == "sns.py" for p in CONTAINER_CODE) and any(p.name == "ecs.py" for p in CONTAINER_CODE)


def _method_of(path, lineno: int) -> str | None:
    """`Class.method` enclosing line `lineno` of `path`."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ClassDef):
            for method in node.body:
                if isinstance(method, ast.FunctionDef) and method.lineno <= lineno <= method.end_lineno:
                    return f"{node.name}.{method.name}"
    return None


def _callers_of(method: str) -> set[str]:
    """The modules of jobs/ and floatctl/ outside jobs/adapters that call `.method(...)`."""
    found = set()
    for root in ("jobs", "floatctl"):
        for path in sorted((REPO / root).rglob("*.py")):
            if path.is_relative_to(REPO / "jobs" / "adapters"):
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == method:
                    found.add(str(path.relative_to(REPO)))
    return found


def test_operator_only_calls_are_made_only_for_operator_commands():
    """A call decided as needing no task grant is made by one adapter method, and only the operators'
    commands call that method: the container (`run`, `watch`) never reaches it."""
    found = client_calls()
    for call, (method, allowed) in OPERATOR_METHODS.items():
        assert CALL_ACTIONS[call] == set()
        places = {_method_of(REPO / where.split(":")[0], int(where.split(":")[1])) for where in found[call]}
        assert places == {method}, (call, places)
        callers = _callers_of(method.split(".")[1])
        assert callers and callers <= set(allowed), (method, callers)
    assert {c for c, actions in CALL_ACTIONS.items() if not actions} - set(OPERATOR_METHODS) == {
        ("s3", "put_object"),
        ("sts", "get_caller_identity"),
    }


def test_task_role_grants_exactly_the_actions_the_code_calls(task_grants):
    assert {g.action for g in task_grants} == _code_actions()


def test_dynamodb_grants_per_table_are_what_the_code_calls(terraform, task_grants):
    concrete = Concrete(terraform)
    for table, resource in (
        ("locks_table", "${local.locks_table_arn}"),
        ("history_table", "${local.history_table_arn}"),
    ):
        arn = concrete(resource)
        granted = {g.action for g in task_grants if g.resource == arn}
        assert granted == dynamodb_actions_by_table()[table], table


# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
# "dynamodb:LeadingKeys – Represents the first key attribute of a table—in other words, the partition
# key. The key name LeadingKeys is plural, even if the key is used with single-item actions. In addition,
# you must use the ForAllValues modifier when using LeadingKeys in a condition."
def test_the_page_ledger_alone_reads_and_changes_history_items_and_only_under_watch_keys(
    terraform, task_grants
):
    history = Concrete(terraform)("${local.history_table_arn}")
    by_class = dynamodb_calls()["history_table"]
    others = set().union(*(actions for cls, actions in by_class.items() if cls != "PageLedger"))
    conditioned = {g.action for g in task_grants if g.resource == history and g.conditions}
    assert conditioned == by_class["PageLedger"] - others == set(preflight.PAGE_LEDGER_ACTIONS)
    (statement,) = [s for s in terraform.statements("collections_jobs_task") if s["sid"] == "WatchPageLedger"]
    (condition,) = statement["condition"]
    assert (condition["test"], condition["variable"]) == ("ForAllValues:StringLike", "dynamodb:LeadingKeys")
    night = date(2026, 11, 20)
    page, batch = (
        {"dynamodb:LeadingKeys": (keys.watch_page_pk(night),)},
        (keys.run_pk(night), keys.float_pk(7)),
    )
    for action in conditioned:
        assert allowed_by(task_grants, action, history, page), action
        for pk in batch:
            assert not allowed_by(task_grants, action, history, {"dynamodb:LeadingKeys": (pk,)}), (action, pk)


def test_preflight_simulates_only_calls_terraform_grants(task_grants, task_needs):
    denied = [(a, r, c) for a, r, c in task_needs if not allowed_by(task_grants, a, r, c)]
    assert not denied


def test_every_task_grant_is_simulated_by_preflight(task_grants, task_needs):
    unsimulated = [
        g
        for g in task_grants
        if not any(a == g.action and arn_matches(g.resource, r) for a, r, _ in task_needs)
    ]
    assert not unsimulated


def test_preflights_lists_are_what_the_code_calls():
    by_table = dynamodb_actions_by_table()
    assert set(preflight.LOCKS_ACTIONS) == by_table["locks_table"]
    assert set(preflight.HISTORY_ACTIONS) | set(preflight.PAGE_LEDGER_ACTIONS) == by_table["history_table"]
    assert set(preflight.DLQ_ACTIONS) == set().union(*(v for (s, _), v in CALL_ACTIONS.items() if s == "sqs"))
    services = service_calls()
    assert set(preflight.PAYMENTS_CALLS) == services["PaymentsClient"]
    assert set(preflight.USERS_CALLS) == services["UsersClient"]
    assert set(preflight.HISTORY_INDEXES) == _index_names()


def _index_names() -> set[str]:
    """Every `IndexName="..."` the adapters query."""
    names = set()
    for path in CONTAINER_CODE:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.keyword)
                and node.arg == "IndexName"
                and isinstance(node.value, ast.Constant)
            ):
                names.add(node.value.value)
    return names


def test_preflight_says_which_service_url_it_cannot_simulate(settings):
    custom = settings.with_overrides(payments_api_url="https://payments.internal.example/prod")
    assert preflight.unsimulated_apis(custom) == ["PAYMENTS_API_URL"]
    assert preflight.unsimulated_apis(settings) == []


@pytest.mark.parametrize("policy", ["scheduler", "watch_scheduler"])
def test_the_scheduler_roles_preflight_needs_equal_their_grants(terraform, policy):
    concrete = Concrete(terraform)
    task_definition = "day_before_ach" if policy == "scheduler" else "day_before_ach_watch"
    family = concrete(f"${{aws_ecs_task_definition.{task_definition}.arn_without_revision}}")
    task_def = TaskDefinition(
        arn=f"{family}:7",
        task_role_arn=concrete("${aws_iam_role.collections_jobs_task.arn}"),
        execution_role_arn=concrete("${aws_iam_role.task_execution.arn}"),
    )
    schedule = terraform.resource(
        "aws_scheduler_schedule", "day_before_ach" if policy == "scheduler" else "watch"
    )
    target = terraform.resolve(schedule["target"][0])
    dlq = concrete(target["dead_letter_config"][0]["arn"])
    needs = _filled(preflight.scheduler_role_needs(task_def, concrete(target["arn"]), dlq))
    granted = grants(terraform, policy)
    assert not [n for n in needs if not allowed_by(granted, *n)]
    assert not [
        g for g in granted if not any(a == g.action and arn_matches(g.resource, r) for a, r, _ in needs)
    ]
