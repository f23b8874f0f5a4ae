"""The RunTask request a manual launch sends: copied from the schedule's own ECS target, with our
idempotency token, the operator in a tag, and one request per shard (jobs.adapters.ecs sends it)."""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from jobs.errors import ConfigError
from jobs.oncall.facts import Facts

STARTED_BY = "floatctl-launch"


def client_token(env: str, run_date: date, attempt: int) -> str:
    """Deterministic per environment, run date and attempt: ECS keeps it ~24 h, so a double-click starts one task."""
    return f"floatctl-{env}-{run_date:%Y%m%d}-a{attempt}"


def _camel(key: str) -> str:
    return key[:1].lower() + key[1:]


def network_configuration(target: dict[str, Any]) -> dict[str, Any]:
    """Scheduler's EcsParameters.NetworkConfiguration (PascalCase inside) as ECS RunTask's camelCase."""
    network = (target.get("EcsParameters") or {}).get("NetworkConfiguration") or {}
    awsvpc = network.get("awsvpcConfiguration") or network.get("AwsvpcConfiguration")
    if not awsvpc:
        raise ConfigError("the schedule's ECS target has no awsvpc network configuration")
    return {"awsvpcConfiguration": {_camel(k): v for k, v in awsvpc.items()}}


# https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_Tag.html: "Maximum value length - 256
# Unicode characters in UTF-8"; "Generally allowed characters are: letters, numbers, and spaces
# representable in UTF-8, and the following characters: + - = . _ : / @." IAM role and session names
# may also hold "," (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html).
_TAG_CHARACTER = re.compile(r"[^\w\s+\-=.:/@]")


def tag_value(text: str) -> str:
    """`text` as an ECS tag value: characters ECS refuses become "_", at most 256 characters."""
    return _TAG_CHARACTER.sub("_", text)[:256]


def build_request(facts: Facts, settings: Any, run_date: date, operator: str, attempt: int) -> dict[str, Any]:
    """The exact RunTask request, copied from the schedule's own ECS target."""
    if facts.schedule is None:
        raise ConfigError(f"cannot build the request: {facts.schedule_error}")
    target = facts.schedule.target
    ecs = target.get("EcsParameters") or {}
    if not ecs.get("TaskDefinitionArn"):
        raise ConfigError("the schedule's target has no TaskDefinitionArn")
    request: dict[str, Any] = {
        "cluster": target.get("Arn") or settings.cluster,
        "taskDefinition": ecs["TaskDefinitionArn"],
        "count": 1,
        "launchType": ecs.get("LaunchType", "FARGATE"),
        "networkConfiguration": network_configuration(target),
        "startedBy": STARTED_BY,
        "clientToken": client_token(settings.env, run_date, attempt),
        "overrides": {
            "containerOverrides": [
                {
                    "name": settings.app_container,
                    "command": ["run", "day-before-ach", "--date", run_date.isoformat()],
                    "environment": [{"name": "FLOATCTL_STARTED_BY", "value": f"operator:{operator}"}],
                }
            ]
        },
        "tags": [
            {"key": "job", "value": "day-before-ach"},
            {"key": "business-date", "value": run_date.isoformat()},
            {"key": "trigger", "value": "manual"},
            {"key": "operator", "value": tag_value(operator)},
        ],
    }
    if ecs.get("PlatformVersion"):
        request["platformVersion"] = ecs["PlatformVersion"]
    return request


def shard_requests(request: dict[str, Any], shards: int) -> list[dict[str, Any]]:
    """The plan's request split into `shards` tasks: each pages its share and takes rate/shards."""
    if shards == 1:
        return [request]
    requests = []
    for index in range(shards):
        shard = copy.deepcopy(request)
        override = shard["overrides"]["containerOverrides"][0]
        override["command"] = [
            *override["command"],
            "--shard-index",
            str(index),
            "--shard-count",
            str(shards),
        ]
        shard["clientToken"] = f"{request['clientToken']}-s{index}of{shards}"
        shard["tags"] = [*shard["tags"], {"key": "shard", "value": f"{index}/{shards}"}]
        requests.append(shard)
    return requests
