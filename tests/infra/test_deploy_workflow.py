"""deploy.yaml in the target ordering: build -> push (main/release) -> plan (PRs) / apply."""

from __future__ import annotations

import os
import re
import subprocess

import pytest
import yaml

from tests.infra.support import REPO


@pytest.fixture(scope="module")
def workflow() -> dict:
    return yaml.safe_load((REPO / ".github/workflows/deploy.yaml").read_text())


def _step(job: dict, name: str) -> dict:
    (step,) = [s for s in job["steps"] if s.get("name") == name]
    return step


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
    assert steps["terraform apply"]["if"].startswith("github.event_name != 'pull_request' && ")
    assert job["env"]["TF_VAR_service_version"] == "${{ needs.build.outputs.service_version }}"


def test_image_tag_is_the_short_sha_in_test_and_the_release_tag_in_prod(workflow):
    script = _run_lines(workflow["jobs"]["build"])
    assert 'release)           service_version="$RELEASE_TAG"' in script
    assert '*)                 service_version="${HEAD_SHA::7}"' in script
    site = _step(workflow["jobs"]["build"], "Environment and image tag")["env"]["SITE"]
    assert "github.event_name == 'release' && 'prod'" in site and "|| 'test' }}" in site
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


# What GitHub's concurrency guarantees, and what it does not:
# https://docs.github.com/en/actions/using-jobs/using-concurrency "This means that there can be at most one
# running and one pending job in a concurrency group at any time. ... Any existing pending job or workflow
# in the same concurrency group, if it exists, will be canceled and the new queued job or workflow will
# take its place." Order is the order of entering the group, not of commits; GitHub's own note
# (https://docs.github.com/en/enterprise-server@3.5/actions/using-jobs/using-concurrency): "When
# concurrency is specified at the job level, order is not guaranteed for jobs or runs that queue within 5
# minutes of each other." So the group is workflow-level (a run enters it when triggered, before any job),
# and https://github.blog/changelog/2026-05-07-github-actions-concurrency-groups-now-allow-larger-queues
# "you can configure concurrency groups to queue multiple pending runs and process them sequentially, with
# support for up to 100 queued jobs or workflow runs per concurrency group. ... Increased queuing can be
# enabled by adding queue: max to the concurrency block in YAML when cancel-in-progress is false or not
# set." (also https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency
# "To allow more than one pending job or workflow run to wait in the same concurrency group, use the
# optional queue property."). What remains (events delivered out of order, a re-run of an old run, more
# than 100 waiting) is caught by the "Still the newest" step below.
def test_runs_queue_per_environment_in_trigger_order(workflow):
    concurrency = workflow["concurrency"]
    assert concurrency["cancel-in-progress"] is False and concurrency["queue"] == "max"
    group = concurrency["group"]
    site = _step(workflow["jobs"]["build"], "Environment and image tag")["env"]["SITE"]
    assert site.startswith("${{ ") and site.endswith(" }}")
    assert f"format('deploy-{{0}}', {site[4:-3]})" in group, "the queue and the build job name one site"
    assert "format('plan-pr-{0}', github.event.pull_request.number)" in group  # plans never wait on applies
    # A job-level group would queue jobs in the order earlier jobs happened to end, not in run order.
    assert not [name for name, job in workflow["jobs"].items() if "concurrency" in job]


def _newest_step(workflow: dict) -> dict:
    steps = workflow["jobs"]["terraform"]["steps"]
    names = [step.get("name") for step in steps]
    assert names.index("Still the newest") < names.index("terraform apply")
    assert steps[names.index("terraform apply")]["if"] == (
        "github.event_name != 'pull_request' && steps.newest.outputs.apply == 'true'"
    )
    return steps[names.index("Still the newest")]


def _decide(tmp_path, script: str, event: str, newest: str, **env: str) -> str:
    """Run the step's script with a `gh` that answers `newest`; what it writes to GITHUB_OUTPUT."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "gh").write_text(f"#!/bin/sh\necho '{newest}'\n")
    (fake / "gh").chmod(0o755)
    output = tmp_path / f"output-{len(list(tmp_path.iterdir()))}"
    result = subprocess.run(
        ["bash", "-e", "-c", script],
        env={
            "PATH": f"{fake}:{os.environ['PATH']}",
            "GITHUB_EVENT_NAME": event,
            "GITHUB_OUTPUT": str(output),
            "GITHUB_REPOSITORY": "acme/floats",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    return output.read_text().strip()


# https://docs.github.com/en/rest/git/refs#get-a-reference "Returns a single reference from your Git
# database. The :ref in the URL must be formatted as heads/<branch name> for branches" and
# https://docs.github.com/en/rest/releases/releases#get-the-latest-release "The latest release is the most
# recent non-prerelease, non-draft release, sorted by the created_at attribute."
def test_a_run_that_is_no_longer_the_newest_does_not_apply(workflow, tmp_path):
    step = _newest_step(workflow)
    script = step["run"]
    assert 'git/ref/heads/main" --jq .object.sha' in script
    assert 'releases/latest" --jq .tag_name' in script
    assert step["env"]["GH_TOKEN"] == "${{ github.token }}"
    head, older = "b" * 40, "a" * 40
    assert _decide(tmp_path, script, "push", head, GITHUB_SHA=head) == "apply=true"
    assert _decide(tmp_path, script, "push", head, GITHUB_SHA=older) == "apply=false"
    assert _decide(tmp_path, script, "release", "v1.43.0", RELEASE_TAG="v1.43.0") == "apply=true"
    assert _decide(tmp_path, script, "release", "v1.43.0", RELEASE_TAG="v1.42.0") == "apply=false"
    # A manual run is the rollback: a person chose an older tag on purpose.
    assert _decide(tmp_path, script, "workflow_dispatch", "ignored", TF_VAR_service_version="v1.40.0") == (
        "apply=true"
    )


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
