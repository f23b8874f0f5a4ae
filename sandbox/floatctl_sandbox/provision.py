"""Create the sandbox's AWS resources in moto (tables, secrets, ECS, schedule, DLQ, alert topic), idempotently."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floatctl_sandbox.app_environment import ACCOUNT, app_environment, preview_bucket_name
from jobs.errors import ConfigError
from jobs.settings import Settings

VPC_CIDR = "10.42.0.0/16"
SUBNET_CIDRS = ("10.42.1.0/24", "10.42.2.0/24")
SCHEDULE_EXPRESSION = "cron(0 19 ? * MON-FRI *)"
SCHEDULE_TIMEZONE = "America/New_York"
APP_REPOSITORY = "floats/collections-jobs"
APP_TAG = "sandbox"


@dataclass(frozen=True)
class Network:
    """The private subnets and security group the task runs in."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str


def provision(settings: Settings, clients: Any, secrets: dict[str, dict[str, Any]]) -> Network:
    """Make every resource exist; safe to call on every start."""
    _tables(settings, clients.client("dynamodb"))
    _secrets(settings, clients.client("secretsmanager"), secrets)
    network = _network(clients.client("ec2"))
    task_definition_arn = _ecs(settings, clients.client("ecs"))
    _image(clients.client("ecr"))
    dlq_arn = _dead_letter_queue(settings, clients.client("sqs"))
    _schedule(settings, clients.client("scheduler"), network, task_definition_arn, dlq_arn)
    _alerts(settings, clients.client("sns"), clients.client("sqs"))
    _previews(settings, clients.client("s3"))
    return network


def _tables(settings: Settings, ddb: Any) -> None:
    existing = set(ddb.list_tables()["TableNames"])
    if settings.locks_table not in existing:
        ddb.create_table(
            TableName=settings.locks_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "namespace", "AttributeType": "S"},
                {"AttributeName": "lock_key", "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": "namespace", "KeyType": "HASH"},
                {"AttributeName": "lock_key", "KeyType": "RANGE"},
            ],
        )
        ddb.update_time_to_live(
            TableName=settings.locks_table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
        )
    if settings.history_table not in existing:
        ddb.create_table(
            TableName=settings.history_table,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "run_id", "AttributeType": "S"},
                {"AttributeName": "user_id", "AttributeType": "N"},
            ],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by_run_id",
                    "KeySchema": [
                        {"AttributeName": "run_id", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "by_user_id",
                    "KeySchema": [
                        {"AttributeName": "user_id", "KeyType": "HASH"},
                        {"AttributeName": "sk", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
            ],
        )


def _secrets(settings: Settings, sm: Any, secrets: dict[str, dict[str, Any]]) -> None:
    for name, value in (
        (settings.main_secret, secrets["main"]),
        (settings.replica_secret, secrets["replica"]),
    ):
        body = json.dumps(value)
        try:
            sm.put_secret_value(SecretId=name, SecretString=body)
        except sm.exceptions.ResourceNotFoundException:
            sm.create_secret(Name=name, SecretString=body)


def _network(ec2: Any) -> Network:
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["floats-sandbox"]}])["Vpcs"]
    if vpcs:
        vpc_id = vpcs[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(
            CidrBlock=VPC_CIDR,
            TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "floats-sandbox"}]}],
        )["Vpc"]["VpcId"]
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsSupport={"Value": True})
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    by_cidr = {s["CidrBlock"]: s["SubnetId"] for s in subnets}
    subnet_ids = []
    for i, cidr in enumerate(SUBNET_CIDRS):
        if cidr not in by_cidr:
            by_cidr[cidr] = ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=f"us-east-1{'ab'[i]}",
                TagSpecifications=[
                    {"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": f"FloatMe-private-{i + 1}"}]}
                ],
            )["Subnet"]["SubnetId"]
        subnet_ids.append(by_cidr[cidr])
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["PrivateSG"]}]
    )["SecurityGroups"]
    if groups:
        sg_id = groups[0]["GroupId"]
    else:
        sg_id = ec2.create_security_group(GroupName="PrivateSG", Description="private", VpcId=vpc_id)[
            "GroupId"
        ]
    return Network(vpc_id, tuple(subnet_ids), sg_id)


def _task_shape_file() -> Path:
    """terraform's task-definition shape, in the checkout the sandbox runs from (it is installed editable)."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "terraform" / "collections_jobs_task.json"
        if candidate.is_file():
            return candidate
    raise ConfigError(
        "the sandbox needs terraform/collections_jobs_task.json from its checkout",
        hint="run floatctl from a clone of the repository (make run installs the sandbox editable)",
    )


def task_definition(settings: Settings) -> dict[str, Any]:
    """The family's task definition: terraform's shape (terraform/collections_jobs_task.json) with sandbox
    values; the app container's environment is app_environment's (every variable terraform sets)."""
    shape = json.loads(_task_shape_file().read_text())
    site = settings.env
    sandbox_values: dict[str, dict[str, Any]] = {
        "collections-jobs": {
            "name": settings.app_container,
            "image": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{APP_REPOSITORY}:{APP_TAG}",
            "environment": [{"name": k, "value": v} for k, v in app_environment(settings).items()],
            "logConfiguration": {"logDriver": "awsfirelens"},
        },
        "log-router": {},
        "datadog-agent": {"environment": [{"name": "ECS_FARGATE", "value": "true"}]},
    }
    return {
        **shape,
        "family": settings.task_family,
        "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{site}-floats-ecs-task-execution",
        "taskRoleArn": f"arn:aws:iam::{ACCOUNT}:role/{site}-floats-collections-jobs-task",
        "containerDefinitions": [
            {**container, **sandbox_values[container["name"]]} for container in shape["containerDefinitions"]
        ],
    }


def _ecs(settings: Settings, ecs: Any) -> str:
    clusters = ecs.describe_clusters(clusters=[settings.cluster])["clusters"]
    if not [c for c in clusters if c.get("status") == "ACTIVE"]:
        ecs.create_cluster(clusterName=settings.cluster)
    arns = ecs.list_task_definitions(familyPrefix=settings.task_family, status="ACTIVE")["taskDefinitionArns"]
    if arns:
        return arns[-1]
    return ecs.register_task_definition(**task_definition(settings))["taskDefinition"]["taskDefinitionArn"]


def _image(ecr: Any) -> None:
    """The app image the task definition names, pushed to moto's ECR (a manifest only: nothing runs it)."""
    with contextlib.suppress(ecr.exceptions.RepositoryAlreadyExistsException):
        ecr.create_repository(repositoryName=APP_REPOSITORY)
    found = ecr.batch_get_image(repositoryName=APP_REPOSITORY, imageIds=[{"imageTag": APP_TAG}])["images"]
    if not found:
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json"}
        ecr.put_image(repositoryName=APP_REPOSITORY, imageManifest=json.dumps(manifest), imageTag=APP_TAG)


def dead_letter_queue_name(settings: Settings) -> str:
    """The schedule's DLQ (SQS) in the sandbox."""
    return f"{settings.schedule_name}-dlq"


def _dead_letter_queue(settings: Settings, sqs: Any) -> str:
    url = sqs.create_queue(QueueName=dead_letter_queue_name(settings))["QueueUrl"]
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def alert_inbox_name(settings: Settings) -> str:
    """The SQS queue subscribed to the alert topic, so `floatctl sandbox alerts` can list what was sent."""
    return f"{settings.alert_topic_name}-inbox"


def finance_inbox_name(settings: Settings) -> str:
    """The SQS queue subscribed to the finance topic (`floatctl sandbox alerts --finance`)."""
    return f"{settings.finance_topic_name}-inbox"


def _alerts(settings: Settings, sns: Any, sqs: Any) -> None:
    """The alert topic `floatctl watch` pages and the finance topic the run's summary goes to, each
    with an SQS inbox subscribed to it."""
    _topic_with_inbox(sns, sqs, settings.alert_topic_name, alert_inbox_name(settings))
    _topic_with_inbox(sns, sqs, settings.finance_topic_name, finance_inbox_name(settings))


def _previews(settings: Settings, s3: Any) -> None:
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou, s3.exceptions.BucketAlreadyExists):
        s3.create_bucket(Bucket=preview_bucket_name(settings))


def _topic_with_inbox(sns: Any, sqs: Any, topic_name: str, inbox_name: str) -> str:
    topic_arn = sns.create_topic(Name=topic_name)["TopicArn"]  # idempotent by name
    url = sqs.create_queue(QueueName=inbox_name)["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # AWS delivers to the queue only if its policy lets the topic send (the policy the SDKs' SubscribeQueue
    # writes: "Action" : ["sqs:SendMessage"] with "aws:SourceArn" the topic,
    # https://docs.aws.amazon.com/AWSJavaSDK/latest/javadoc/com/amazonaws/services/sns/util/Topics.html);
    # moto delivers without it, so it is set for fidelity, not because the sandbox needs it.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": inbox_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy)})
    subscribed = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
    if not any(sub["Endpoint"] == inbox_arn for sub in subscribed):
        sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=inbox_arn)
    return topic_arn


def _schedule(
    settings: Settings, scheduler: Any, network: Network, task_definition_arn: str, dlq: str
) -> None:
    try:
        scheduler.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)
        return
    except scheduler.exceptions.ResourceNotFoundException:
        pass
    scheduler.create_schedule(
        Name=settings.schedule_name,
        GroupName=settings.schedule_group,
        ScheduleExpression=SCHEDULE_EXPRESSION,
        ScheduleExpressionTimezone=SCHEDULE_TIMEZONE,
        FlexibleTimeWindow={"Mode": "OFF"},
        State="ENABLED",
        Target={
            "Arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/{settings.cluster}",
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{settings.env}-floats-scheduler-invoke-ecs",
            "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 3600},
            "DeadLetterConfig": {"Arn": dlq},
            "EcsParameters": {
                "TaskDefinitionArn": task_definition_arn,
                "TaskCount": 1,
                "LaunchType": "FARGATE",
                "PlatformVersion": "LATEST",
                "NetworkConfiguration": {
                    "awsvpcConfiguration": {
                        "Subnets": list(network.subnet_ids),
                        "SecurityGroups": [network.security_group_id],
                        "AssignPublicIp": "DISABLED",
                    }
                },
            },
        },
    )
