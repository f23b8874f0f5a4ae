"""Fixtures for the TUI tests: an app bound to the session sandbox (the frozen clock, `at_1931`, is in
tests/conftest.py)."""

from __future__ import annotations

import pytest
from pytest_textual_snapshot import SVGImageExtension

# pytest-textual-snapshot 1.0 names its extension in `_file_extension`, which syrupy 7 no longer reads
# (it reads `file_extension`): without this the SVG snapshots are written as `.raw` files.
SVGImageExtension.file_extension = "svg"


@pytest.fixture(autouse=True)
def caller_terminal_settings_ignored(monkeypatch):
    """The caller's shell must not change a frame: Textual's App reads NO_COLOR when it is built, rich
    reads FORCE_COLOR, COLUMNS and LINES (issue 18: `make test` with NO_COLOR=1 exported)."""
    for var in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES", "TEXTUAL_COLOR_SYSTEM"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def make_app(app_context, tmp_path):
    """Build the operator app on the session sandbox; CSV exports go to tmp_path."""

    def make(writable: bool = True, initial: str = "status"):
        from floatctl.tui.app import FloatctlApp

        return FloatctlApp(app_context, writable=writable, initial=initial, export_dir=tmp_path)

    return make


@pytest.fixture
def steady_request(monkeypatch):
    """Render the RunTask request with fixed network ids (moto draws new ones per sandbox)."""
    from floatctl.tui.screens import launch
    from tests.tui.support import mask_network_ids

    original = launch.render_request
    monkeypatch.setattr(launch, "render_request", lambda request: original(mask_network_ids(request)))


@pytest.fixture
def enabled_again(app_context):
    """Whatever a test does, the schedule is ENABLED after it (scenario loads do not touch it)."""
    from jobs.adapters.scheduler import update_request

    yield
    client = app_context.runtime().aws.client("scheduler")
    settings = app_context.settings
    current = client.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)
    if current["State"] != "ENABLED":
        client.update_schedule(**update_request(current, "ENABLED"))
