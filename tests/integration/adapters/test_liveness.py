"""Lock owners' liveness against the sandbox's ECS: a stopped task is dead."""

from __future__ import annotations

from jobs.adapters.liveness import OwnerLiveness
from tests.waiting import wait_for


def test_a_stopped_ecs_task_owner_is_dead(runtime, sandbox):
    ecs = runtime.aws.client("ecs")
    net = runtime.aws.client("scheduler").get_schedule(Name=runtime.settings.schedule_name)["Target"][
        "EcsParameters"
    ]["NetworkConfiguration"]["awsvpcConfiguration"]
    task = ecs.run_task(
        cluster=runtime.settings.cluster,
        taskDefinition=runtime.settings.task_family,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": net["Subnets"], "securityGroups": net["SecurityGroups"]}
        },
        overrides={"containerOverrides": [{"name": "collections-jobs", "command": ["version"]}]},
    )["tasks"][0]["taskArn"]
    liveness = OwnerLiveness(ecs, runtime.settings.cluster)
    wait_for(lambda: liveness.owner_is_dead(task), 30, "the stopped task to read as dead", 0.2)
    assert not liveness.owner_is_dead("some-other-host:1")
