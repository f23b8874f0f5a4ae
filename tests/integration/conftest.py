"""Fixtures for the integration tests: the adapters as the container wires them, on the sandbox."""

from __future__ import annotations

import pytest


@pytest.fixture
def runtime(app_context):
    """A Runtime built from the sandbox's settings, closed after the test."""
    from jobs.runtime import Runtime

    rt = Runtime.from_settings(app_context.settings)
    yield rt
    rt.close()
