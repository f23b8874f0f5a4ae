"""terraform/ as a whole: every file parses, providers pinned, names as variables, outputs, no log group."""

from __future__ import annotations

import re

from tests.infra.support import TERRAFORM_DIR, single

SEED_FILES = {
    "fargate_cluster.tf",
    "fargate_ecr.tf",
    "fargate_collections_jobs.tf",
    "fargate_collections_jobs_schedule.tf",
    "variables.tf",
    "outputs.tf",
    "versions.tf",
}


def test_every_tf_file_parses_and_the_seed_files_exist(terraform):
    assert set(terraform.files) >= SEED_FILES, SEED_FILES - set(terraform.files)
    assert set(terraform.files) == {p.name for p in TERRAFORM_DIR.glob("*.tf")}


def test_terraform_and_providers_are_pinned(terraform):
    block = single(terraform.files["versions.tf"]["terraform"])
    assert block["required_version"]
    providers = single(block["required_providers"])
    assert providers, "no required_providers"
    for name, spec in providers.items():
        assert re.fullmatch(r"=?\s*\d+\.\d+\.\d+", spec["version"]), (
            f"{name} is not pinned: {spec['version']}"
        )
    assert providers["aws"]["source"] == "hashicorp/aws"


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html (logDriver)
# "For tasks that use the Fargate launch type, the supported log drivers are awslogs, splunk, and
# awsfirelens." The design picks awsfirelens (to Datadog), so no awslogs and no log group.
def test_no_cloudwatch_log_group_and_no_awslogs_driver(terraform):
    types = {type_ for _, type_, _, _ in terraform.blocks("resource")}
    assert "aws_cloudwatch_log_group" not in types
    for path in TERRAFORM_DIR.glob("*.tf"):
        assert "awslogs" not in path.read_text(), f"{path.name} routes logs to CloudWatch Logs"


def test_names_of_tables_secrets_and_apis_are_variables(terraform):
    variables = {name for block in terraform.files["variables.tf"]["variable"] for name in block}
    assert {
        "site",
        "service_version",
        "locks_table_name",
        "collection_history_table_name",
        "rds_main_secret_name",
        "rds_replica_secret_name",
        "datadog_secret_name",
        "payments_api",
        "users_api",
        "private_subnet_ids",
        "private_security_group_name",
        "dlq_alarm_actions",
    } <= variables
    for block in terraform.files["variables.tf"]["variable"]:
        for name, body in block.items():
            assert body.get("description") and body.get("type"), (
                f"variable {name} needs a type and a description"
            )


def test_outputs_name_the_family_the_schedule_and_the_repository(terraform):
    outputs = {
        name: body["value"]
        for block in terraform.files["outputs.tf"]["output"]
        for name, body in block.items()
    }
    assert outputs["task_definition_family"] == "${aws_ecs_task_definition.day_before_ach.family}"
    assert outputs["schedule_arn"] == "${aws_scheduler_schedule.day_before_ach.arn}"
    assert outputs["ecr_repository_url"] == "${aws_ecr_repository.collections_jobs.repository_url}"
