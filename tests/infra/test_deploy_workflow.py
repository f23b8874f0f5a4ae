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


def test_image_is_pushed_after_the_build_and_only_from_main_or_a_release(workflow):
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["branches"] == ["main"] and triggers["release"]["types"] == ["published"]
    image = workflow["jobs"]["image"]
    assert image["needs"] == "build"
    assert image["if"] == "github.event_name == 'push' || github.event_name == 'release'"
    uses = [step.get("uses", "") for step in image["steps"]]
    assert any(u.startswith("aws-actions/amazon-ecr-login@") for u in uses)
    assert "make container-push-collections-jobs" in _run_lines(image)
    assert 'CONTAINER_REGISTRY="$ECR_REGISTRY/floats"' in _run_lines(image)


def test_terraform_runs_after_the_push_plan_on_prs_apply_otherwise(workflow):
    job = workflow["jobs"]["terraform"]
    assert job["needs"] == ["build", "image"]
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
