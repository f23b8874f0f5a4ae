"""Fixtures for the delivery tests."""

from __future__ import annotations

import pytest

from tests.infra.support import Terraform, load_terraform


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    """terraform/ parsed once per session."""
    return load_terraform()


@pytest.fixture(scope="session")
def task_role_grants(terraform: Terraform) -> dict[str, tuple[set[str], list[str]]]:
    """sid -> (actions, resources) of the task role's policy (collections_jobs_task)."""
    return {
        sid: (set(s["actions"]), s["resources"])
        for sid, s in terraform.by_sid("collections_jobs_task").items()
    }


@pytest.fixture(scope="session")
def scheduler_grants(terraform: Terraform) -> dict[str, dict]:
    """sid -> statement of the scheduler role's policy (it carries conditions, so the whole statement)."""
    return terraform.by_sid("scheduler")
