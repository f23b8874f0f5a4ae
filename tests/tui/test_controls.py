"""The TUI faces of issue 19 item 5: pause/resume the schedule from Status, stop a run from Launch."""

from __future__ import annotations

import time

from tests import scenarios
from tests.tui.support import SIZE, run, settle, text_of, type_text


def test_pause_and_resume_from_the_status_screen(load, make_app, at_1931, app_context, enabled_again):
    from floatctl.tui.screens.confirm_reason import ReasonScreen

    load(scenarios.mixed(3, seed=81))
    settings = app_context.settings
    scheduler = app_context.runtime().aws.client("scheduler")

    def state() -> str:
        return scheduler.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)["State"]

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            notice = screen.query_one("#schedule-notice")
            await settle(pilot, lambda: screen.facts is not None)
            assert not notice.display
            await pilot.press("p")
            await settle(pilot, lambda: isinstance(app.screen, ReasonScreen))
            assert "ENABLED -> DISABLED" in text_of(app.screen.query_one("#reason-facts"))
            await pilot.click("#reason-confirm")  # no reason: stays open and says why
            assert "say why" in text_of(app.screen.query_one("#reason-error"))
            await type_text(pilot, "bank outage")
            await pilot.press("enter")
            await settle(
                pilot, lambda: app.screen is screen and notice.display and notice.has_class("-paused")
            )
            assert state() == "DISABLED"
            text = text_of(notice)
            assert text.startswith("SCHEDULE PAUSED (DISABLED) since ") and "bank outage" in text
            assert "resumed: press p on the Status screen" in text and "floatctl" not in text
            advice = text_of(screen.query_one("#advice"))  # a decision, with the two keys if it was not meant
            assert "the schedule is DISABLED (paused on purpose)" in advice and "floatctl" not in advice
            assert "deliberately: the Launch screen (press F5)" in advice and "press p" in advice

            await pilot.press("p")
            await settle(pilot, lambda: isinstance(app.screen, ReasonScreen))
            assert "DISABLED -> ENABLED" in text_of(app.screen.query_one("#reason-facts"))
            await type_text(pilot, "bank back")
            await pilot.press("enter")
            await settle(pilot, lambda: app.screen is screen and notice.has_class("-resumed"))
            assert state() == "ENABLED" and text_of(notice).startswith("Schedule resumed ")

    run(scenario())
    from jobs.domain.calendar import today_in_new_york

    actions = [(a.action, a.reason) for a in app_context.runtime().audit().on(today_in_new_york())]
    assert ("schedule.pause", "bank outage") in actions and ("schedule.resume", "bank back") in actions


def test_stop_from_the_launch_screen_drains_to_interrupted(
    load, make_app, at_1931, app_context, sandbox, cli
):
    from floatctl.tui.screens.confirm_reason import ReasonScreen
    from floatctl_sandbox import actions
    from jobs.domain.calendar import due_window
    from tests.scenarios import RUN_DATE

    load(scenarios.mixed(120, seed=82))
    actions.faults_request(sandbox, "PUT", {"payments.latency_ms": 3000})
    launched = cli("launch", "day-before-ach", "--yes")
    assert launched.exit_code == 0, launched.stderr
    task_arn = launched.stdout.strip().splitlines()[-1]
    history = app_context.runtime().history()
    due = due_window(RUN_DATE).end
    deadline = time.monotonic() + 60
    while not any(r.task_arn == task_arn and r.status == "RUNNING" for r in history.runs(due)):
        assert time.monotonic() < deadline, "the launched run never wrote RUNNING"
        time.sleep(0.2)

    async def scenario():
        app = make_app(initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None)
            assert screen.plan.facts.running_tasks and screen.check_action("stop", ()) is True
            assert "press s to stop it" in text_of(screen.query_one("#launch-verdict"))
            await pilot.press("s")
            await settle(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await type_text(pilot, "hold for finance")
            await pilot.press("enter")
            follow = screen.query_one("#launch-follow")
            await settle(pilot, lambda: "INTERRUPTED" in text_of(follow), timeout=60)
            said = text_of(screen.query_one("#message-line"))
            assert "INTERRUPTED" in said and "relaunch later with the Launch screen (press F5)" in said

    run(scenario())
    assert [r.status for r in history.runs(due) if r.task_arn == task_arn] == ["INTERRUPTED"]
