"""A prod launch from `tui --allow-writes` asks for a reason, as `launch --reason` does, and past the
cutoff for the approver, as `--approved-by` does (jobs.oncall.policy; jobs.oncall.launch applies it
again, so no face can skip it)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from tests import scenarios
from tests.tui.support import SIZE, run, settle, text_of, type_text


def test_the_prod_launch_dialog_refuses_an_empty_reason_and_audits_the_given_one(load, at_1931, app_context):
    from floatctl.tui.app import FloatctlApp
    from floatctl.tui.screens.confirm_launch import ConfirmLaunchScreen

    load(scenarios.mixed(4, seed=61))
    # The app believes it is prod (banner, policy); its adapters are the session sandbox's.
    context = SimpleNamespace(env="prod", runtime=app_context.runtime)

    async def scenario():
        app = FloatctlApp(context, writable=True, initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None)
            await pilot.press("x")
            await settle(pilot, lambda: isinstance(app.screen, ConfirmLaunchScreen))
            modal = app.screen
            await pilot.click("#launch-confirm")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmLaunchScreen)  # not dismissed: no reason yet
            assert "a reason is required in prod" in text_of(modal.query_one("#launch-reason-error"))
            modal.query_one("#launch-reason").focus()
            await type_text(pilot, "fire missed")
            await pilot.press("enter")
            await settle(pilot, lambda: screen.exit_code is not None, timeout=90)
            assert screen.exit_code == 0

    run(scenario())
    assert "fire missed" in [e.reason for e in _launches(app_context.runtime())]


def _launches(runtime):
    from jobs.domain.calendar import today_in_new_york

    events = runtime.audit().on(today_in_new_york(datetime.now(UTC)))  # the ledger keeps real time
    return [e for e in events if e.action == "launch"]


def test_a_late_prod_launch_needs_an_approver_shows_what_slips_and_is_audited_with_it(
    load, app_context, monkeypatch
):
    from floatctl.tui.app import FloatctlApp
    from floatctl.tui.screens.confirm_launch import ConfirmLaunchScreen
    from jobs.errors import UsageError
    from jobs.oncall.launch import start_launch
    from jobs.runtime import Runtime

    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T21:30:00-05:00")  # Friday, past the cutoff, no run
    load(scenarios.mixed(4, seed=63))
    # A prod runtime on the sandbox's resources: the jobs layer applies prod's policy to it.
    prod = Runtime(app_context.settings.with_overrides(env="prod"), app_context.runtime().aws)
    context = SimpleNamespace(env="prod", runtime=lambda: prod)
    reason = "fire missed, finance agreed to Tuesday"

    async def scenario():
        app = FloatctlApp(context, writable=True, initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None and screen.numbers is not None)
            # Refused for the cutoff alone: the numbers of what would slip are shown before the box is ticked.
            assert [c.name for c in screen.plan.failed] == ["before the 21:00 ET cutoff"]
            assert "ACH settles 2026-11-24" in text_of(screen.query_one("#launch-rerun"))
            await pilot.click("#after-cutoff")
            await settle(pilot, lambda: screen.plan is not None and screen.numbers is not None)
            assert screen.plan.refusal() is None and screen.plan.late
            await pilot.press("x")
            await settle(pilot, lambda: isinstance(app.screen, ConfirmLaunchScreen))
            modal = app.screen
            facts = text_of(modal.query_one("#launch-facts"))
            assert "settle after their due date" in facts and "would submit" in facts
            modal.query_one("#launch-reason").focus()
            await type_text(pilot, reason)
            await pilot.click("#launch-confirm")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmLaunchScreen)  # not dismissed: no approver yet
            assert "approver's name is required" in text_of(modal.query_one("#launch-reason-error"))
            # Whatever the face: the jobs layer refuses a late prod launch without an approver.
            with pytest.raises(UsageError, match="--approved-by NAME is required"):
                start_launch(prod, screen.plan, reason)
            modal.query_one("#launch-approver").focus()
            await type_text(pilot, "Dana Ortiz")
            await pilot.press("enter")
            await settle(pilot, lambda: screen.exit_code is not None, timeout=90)
            assert screen.exit_code == 0

    try:
        run(scenario())
    finally:
        prod.close()
    (event,) = [e for e in _launches(prod) if e.reason == reason]
    assert event.after["approved_by"] == "Dana Ortiz"
