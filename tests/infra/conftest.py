"""Fixtures for the delivery tests."""

from __future__ import annotations

import pytest

from tests.infra.support import Terraform, load_terraform


@pytest.fixture(scope="session")
def terraform() -> Terraform:
    """terraform/ parsed once per session."""
    return load_terraform()
