"""A prod launch from `tui --allow-writes` asks for a reason, as `launch --reason` does (jobs.oncall.policy)."""

from __future__ import annotations

from types import SimpleNamespace

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
            assert "--reason is required in prod" in text_of(modal.query_one("#launch-reason-error"))
            modal.query_one("#launch-reason").focus()
            await type_text(pilot, "fire missed")
            await pilot.press("enter")
            await settle(pilot, lambda: screen.exit_code is not None, timeout=90)
            assert screen.exit_code == 0

    run(scenario())
    from datetime import UTC, datetime

    from jobs.domain.calendar import today_in_new_york

    events = (
        app_context.runtime().audit().on(today_in_new_york(datetime.now(UTC)))
    )  # the ledger keeps real time
    assert "fire missed" in [e.reason for e in events if e.action == "launch"]
