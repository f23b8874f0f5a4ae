"""terraform's IAM policy documents made concrete for one site and account, and a matcher that asks
whether they grant one call: enough IAM to compare our policies with what jobs/ calls and with what
`floatctl preflight` simulates (only Allow statements and the condition operators terraform/ uses).

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
"You can use wildcard characters (* and ?) within the individual segments of an ARN (the parts separated
by colons)"; a `*` that ends a segment "can expand to match beyond colon boundaries" (the same page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.infra.support import Terraform

SITE, ACCOUNT, REGION = "prod", "111122223333", "us-east-1"
PAYMENTS_API = {
    "id": "pay0api1",
    "stage": "v1",
    "url": f"https://pay0api1.execute-api.{REGION}.amazonaws.com/v1",
}
USERS_API = {
    "id": "usr0api2",
    "stage": "v1",
    "url": f"https://usr0api2.execute-api.{REGION}.amazonaws.com/v1",
}
# AWS appends a random six-character suffix to a secret's name in its ARN; any fixed one stands in here.
SECRET_SUFFIX = "-AbCdEf"

_ARN_OF = {
    "aws_sns_topic": "arn:aws:sns:{region}:{account}:{name}",
    "aws_sqs_queue": "arn:aws:sqs:{region}:{account}:{name}",
    "aws_ecs_cluster": "arn:aws:ecs:{region}:{account}:cluster/{name}",
    "aws_iam_role": "arn:aws:iam::{account}:role/{name}",
    "aws_s3_bucket": "arn:aws:s3:::{name}",
    "aws_ecs_task_definition": "arn:aws:ecs:{region}:{account}:task-definition/{name}",
    "aws_secretsmanager_secret": "arn:aws:secretsmanager:{region}:{account}:secret:{name}" + SECRET_SUFFIX,
}


class Concrete:
    """terraform expressions of terraform/ evaluated for SITE in ACCOUNT/REGION (defaults of every var)."""

    def __init__(self, terraform: Terraform) -> None:
        self.terraform = terraform

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        if not isinstance(value, str):
            return value
        text = self.terraform.resolve(value)
        previous = None
        while previous != text:
            previous = text
            text = self._once(text)
        assert "${" not in text, f"cannot evaluate {value!r}: {text!r}"
        return text

    def _once(self, text: str) -> str:
        simple = {
            "${data.aws_partition.current.partition}": "aws",
            "${data.aws_region.current.name}": REGION,
            "${data.aws_caller_identity.current.account_id}": ACCOUNT,
            "${var.site}": SITE,
            "${var.payments_api.id}": PAYMENTS_API["id"],
            "${var.payments_api.stage}": PAYMENTS_API["stage"],
            "${var.users_api.id}": USERS_API["id"],
            "${var.users_api.stage}": USERS_API["stage"],
        }
        for expression, concrete in simple.items():
            text = text.replace(expression, concrete)
        # ${coalesce(var.x, "<default>")}: every name variable defaults to null
        text = re.sub(r'\$\{coalesce\(var\.\w+, "([^"]*)"\)\}', r"\1", text)
        return re.sub(
            r"\$\{(data\.)?(\w+)\.(\w+)\.(arn|name|id|arn_without_revision)\}", self._reference, text
        )

    def _reference(self, match: re.Match[str]) -> str:
        kind, type_, name, attribute = match.groups()
        body = self.terraform.data(type_, name) if kind else self.terraform.resource(type_, name)
        own = self(body.get("name") or body.get("bucket") or body["family"])
        if type_ == "aws_scheduler_schedule":
            return f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{self(body['group_name'])}/{own}"
        if attribute in ("name", "id"):
            return own
        return _ARN_OF[type_].format(region=REGION, account=ACCOUNT, name=own)


@dataclass(frozen=True)
class Grant:
    """One (statement, action, resource pattern) of a policy, with the statement's conditions."""

    sid: str
    action: str
    resource: str
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]


def grants(terraform: Terraform, *documents: str) -> list[Grant]:
    """Every (action, resource) the named `aws_iam_policy_document`s allow, evaluated for SITE."""
    concrete = Concrete(terraform)
    found = []
    for document in documents:
        for statement in terraform.statements(document):
            assert statement.get("effect", "Allow") == "Allow", statement
            conditions = tuple(
                (c["test"], c["variable"], tuple(concrete(c["values"])))
                for c in statement.get("condition", [])
            )
            for action in statement["actions"]:
                for resource in concrete(statement["resources"]):
                    found.append(Grant(statement["sid"], action, resource, conditions))
    return found


def arn_matches(pattern: str, arn: str) -> bool:
    """IAM's wildcard match of a resource ARN (see the module docstring)."""
    regex = ""
    for i, char in enumerate(pattern):
        if char == "*":
            ends_segment = i + 1 == len(pattern) or pattern[i + 1] == ":"
            regex += ".*" if ends_segment else "[^:]*"
        elif char == "?":
            regex += "[^:]"
        else:
            regex += re.escape(char)
    return re.fullmatch(regex, arn) is not None


_OPERATORS = {
    "ArnEquals": lambda pattern, value: pattern == value,
    "ArnLike": arn_matches,
    "StringEquals": lambda pattern, value: pattern == value,
    "StringLike": lambda pattern, value: (
        re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value) is not None
    ),
}


def condition_holds(test: str, values: tuple[str, ...], given: tuple[str, ...] | None) -> bool:
    """Does a request carrying `given` for the key meet the condition? A missing key fails it, except
    ForAllValues (true for an empty set: why LeadingKeys always comes with item-level actions)."""
    for_all = test.startswith("ForAllValues:")
    operator = _OPERATORS[test.removeprefix("ForAllValues:")]
    if given is None:
        return for_all
    if for_all:
        return all(any(operator(p, v) for p in values) for v in given)
    return any(operator(p, v) for p in values for v in given)


def allowed_by(
    grants_: list[Grant], action: str, resource: str, context: dict[str, tuple[str, ...]]
) -> list[Grant]:
    """The grants that allow the call (empty: implicitly denied)."""
    return [
        g
        for g in grants_
        if g.action == action
        and arn_matches(g.resource, resource)
        and all(condition_holds(test, values, context.get(key)) for test, key, values in g.conditions)
    ]
