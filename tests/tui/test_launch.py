"""Pilot tests of the launch screen against the real sandbox: the confirm modal, the guards checked again
after it, and the relaunch's prediction shared with `recover --dry-run`."""

from __future__ import annotations

from tests import scenarios
from tests.tui.support import SIZE, run, settle, text_of


def test_launch_through_the_modal_follows_the_task_to_exit_code_0(load, make_app, at_1931, app_context):
    from floatctl.tui.screens.confirm_launch import ConfirmLaunchScreen
    from jobs.domain.calendar import due_window
    from tests.scenarios import RUN_DATE

    load(scenarios.mixed(6, seed=23))

    async def scenario():
        app = make_app(initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None)
            assert all(check.ok for check in screen.plan.checks)
            assert screen.check_action("launch", ()) is True

            await pilot.press("x")
            await settle(pilot, lambda: isinstance(app.screen, ConfirmLaunchScreen))
            assert "floatctl-sandbox-20261120-a1" in text_of(app.screen.query_one("#launch-facts"))
            await pilot.click("#launch-confirm")
            await settle(pilot, lambda: screen.exit_code is not None, timeout=90)
            assert screen.exit_code == 0
            follow = text_of(screen.query_one("#launch-follow"))
            assert "task RUNNING" in follow and "exit code 0" in follow
            await settle(pilot, lambda: screen.plan is not None)
            assert screen.plan.refusal() is not None  # the run SUCCEEDED: a second launch is refused
            assert screen.check_action("launch", ()) is None

    run(scenario())
    runs = app_context.runtime().history().runs(due_window(RUN_DATE).end)
    assert [r.status for r in runs] == ["SUCCEEDED"] and runs[0].started_by.startswith("operator:arn:aws")


def test_launch_checks_the_guards_again_after_the_confirm(load, make_app, at_1931, app_context):
    import time

    from floatctl.tui.screens.confirm_launch import ConfirmLaunchScreen
    from jobs.domain.leases import Lease

    load(scenarios.mixed(3, seed=26))

    async def scenario():
        app = make_app(initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None)
            assert screen.plan.refusal() is None
            await pilot.press("x")
            await settle(pilot, lambda: isinstance(app.screen, ConfirmLaunchScreen))
            now = time.time()  # another run takes the job lock while the modal is open
            app_context.runtime().locks().put(
                Lease("job", "day-before-ach", "run-y", "other-host:8", now, now + 300, "rvn-y")
            )
            await pilot.click("#launch-confirm")
            await settle(pilot, lambda: not screen.busy and screen.plan is not None)
            line = text_of(screen.query_one("#message-line"))
            assert line.startswith("error: launch refused: job lock free")
            assert "nothing was started" in text_of(screen.query_one("#launch-follow"))
            assert screen.plan.refusal() is not None

    run(scenario())
    from jobs.domain.calendar import due_window

    assert app_context.runtime().history().runs(due_window(scenarios.RUN_DATE).end) == []


def test_the_launch_screen_shows_what_recover_dry_run_predicts(load, make_app, at_1931, cli):
    """Issue 19 item 2 in the TUI: the relaunch's floats, totals and time against the cutoff, from the
    same jobs prediction as `recover --dry-run` (jobs.oncall.rerun)."""
    import json

    from floatctl.output import dollars

    load(scenarios.mixed(12, seed=24))
    rerun = json.loads(cli("-o", "json", "recover", "day-before-ach", "--dry-run").stdout)["rerun"]
    total = rerun["total"]
    assert total["count"] > 0

    async def scenario():
        app = make_app(initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.numbers is not None)
            assert screen.numbers["rerun"] == rerun and screen.numbers["late"] is None
            shown = text_of(screen.query_one("#launch-rerun"))
            assert f"would submit {total['count']} floats {dollars(total['amount_cents'])}" in shown
            assert "to the 21:00 ET cutoff: fits" in shown
            assert ", ".join(str(f["float_id"]) for f in rerun["floats"][:3]) in shown

    run(scenario())
