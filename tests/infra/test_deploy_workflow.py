"""deploy.yaml in the target ordering: build -> push (main/release) -> plan (PRs) / apply."""

from __future__ import annotations

import re

import pytest
import yaml

from tests.infra.support import REPO


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load((REPO / ".github/workflows/deploy.yaml").read_text())


def _run_lines(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


# https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idneeds
# "If a job fails or is skipped, all jobs that need it are skipped unless the jobs use a conditional
# expression that causes the job to continue." (terraform's `if` uses !cancelled(), so it must itself
# require needs.test.result == 'success').
def test_image_is_pushed_after_the_build_and_only_from_main_or_a_release(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and triggers["release"]["types"] == ["published"]
    image = workflow["jobs"]["image"]
    assert image["needs"] == ["test", "build"]
    assert image["if"] == "github.event_name == 'push' || github.event_name == 'release'"
    uses = [step.get("uses", "") for step in image["steps"]]
    assert any(u.startswith("aws-actions/amazon-ecr-login@") for u in uses)
    assert "make container-push-collections-jobs" in _run_lines(image)
    assert 'CONTAINER_REGISTRY="$ECR_REGISTRY/floats"' in _run_lines(image)


def test_terraform_runs_after_the_push_plan_on_prs_apply_otherwise(workflow):
    job = workflow["jobs"]["terraform"]
    assert job["needs"] == ["test", "build", "image"]
    assert "needs.test.result == 'success'" in job["if"]
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["terraform plan"]["if"] == "github.event_name == 'pull_request'"
    assert steps["terraform apply"]["if"] == "github.event_name != 'pull_request'"
    assert job["env"]["TF_VAR_service_version"] == "${{ needs.build.outputs.service_version }}"


def test_image_tag_is_the_short_sha_in_test_and_the_release_tag_in_prod(workflow):
    script = _run_lines(workflow["jobs"]["build"])
    assert 'release)           site="prod"; service_version="$RELEASE_TAG"' in script
    assert 'site="test"; service_version="${HEAD_SHA::7}"' in script
    assert "make build" in script


def test_every_action_is_pinned_to_a_version(workflow):
    for name, job in workflow["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+\.\d+\.\d+", step["uses"]), (
                    f"{name}: {step['uses']}"
                )


# https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#jobsjob_idneeds
# (see above): a job that needs `test` does not run when `test` fails.
def test_nothing_ships_without_make_test(workflow):
    jobs = workflow["jobs"]
    assert "make test" in _run_lines(jobs["test"])
    assert jobs["build"]["needs"] == "test"
    for name in ("image", "terraform"):
        assert "test" in jobs[name]["needs"], name


# https://docs.github.com/en/webhooks/webhook-events-and-payloads#release : the release object's
# "prerelease" is "Whether the release is identified as a prerelease or a full release." and
# https://docs.github.com/en/actions/writing-workflows/choosing-what-your-workflow-does/accessing-contextual-information-about-workflow-runs#github-context
# github.ref is the ref that triggered the run (refs/heads/main for a dispatch from main).
def test_rollback_only_from_main_and_no_prerelease_deploys(workflow):
    gate = workflow["jobs"]["test"]["if"]
    assert "github.event_name != 'workflow_dispatch' || github.ref == 'refs/heads/main'" in gate
    assert "github.event_name != 'release' || !github.event.release.prerelease" in gate
    # Every other job needs test, so the gate holds for the whole run.
    assert all("test" in (job.get("needs") or []) for name, job in workflow["jobs"].items() if name != "test")


# https://docs.github.com/en/actions/using-jobs/using-concurrency
# "This means that there can be at most one running and one pending job in a concurrency group at any
# time. ... Any existing pending job or workflow in the same concurrency group, if it exists, will be
# canceled and the new queued job or workflow will take its place." With cancel-in-progress false a
# running apply finishes, and only the newest waiting one follows: never an older commit after a newer.
def test_one_apply_per_environment_at_a_time(workflow):
    job = workflow["jobs"]["terraform"]
    group = job["concurrency"]["group"]
    assert "needs.build.outputs.site" in group and "'apply'" in group
    assert job["concurrency"]["cancel-in-progress"] is False
    image = workflow["jobs"]["image"]["concurrency"]
    assert "needs.build.outputs.site" in image["group"] and image["cancel-in-progress"] is False


# https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/manage-environments
# (environments scope variables and protection rules), and
# https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html (GitHub OIDC role):
# the plan role is a different IAM role, read-only, in its own <site>-plan environment.
def test_pr_plans_use_a_read_only_role_and_environment_distinct_from_apply(workflow):
    job = workflow["jobs"]["terraform"]
    assert job["environment"] == (
        "${{ github.event_name == 'pull_request' && format('{0}-plan', needs.build.outputs.site)"
        " || needs.build.outputs.site }}"
    )
    (credentials,) = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/configure-aws")]
    assert credentials["with"]["role-to-assume"] == (
        "${{ github.event_name == 'pull_request' && vars.AWS_PLAN_ROLE_ARN || vars.AWS_DEPLOY_ROLE_ARN }}"
    )
    steps = {step.get("name"): step for step in job["steps"]}
    assert "-lock=false" in steps["terraform plan"]["run"]  # a read-only role cannot write the S3 lock
    assert "apply" not in steps["terraform plan"]["run"]
