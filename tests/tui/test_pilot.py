"""Pilot tests: each screen against the real sandbox, the release modal, and read-only mode (the launch
screen and its modal: test_launch.py)."""

from __future__ import annotations

import csv
import socket

from textual.widgets import Checkbox, DataTable, Input, Select

from tests import scenarios
from tests.tui.support import SIZE, run, settle, text_of, type_text

LIVE = {
    "namespace": "float",
    "lock_key": "float#101",
    "owner": "run-live",
    "owner_task": "other-host:1",
    "lease_expires_in_s": 600,
    "rvn": "rvn-live",
}
ORPHAN = {
    "namespace": "float",
    "lock_key": "float#102",
    "owner": "run-dead",
    "owner_task": f"{socket.gethostname()}:999999",
    "lease_expires_in_s": 600,
    "rvn": "rvn-dead",
}
EXPIRED = {
    "namespace": "job",
    "lock_key": "day-before-ach",
    "owner": "run-old",
    "owner_task": "other-host:2",
    "lease_expires_in_s": -30,
    "rvn": "rvn-old",
}


def _lock_keys(app_context) -> set[str]:
    locks = app_context.runtime().locks()
    return {lease.lock_key for ns in ("job", "float") for lease in locks.list(ns)}


def test_every_screen_loads_from_its_key(load, make_app, at_1931):
    load(scenarios.mixed(12, seed=21) | {"locks": [LIVE]})

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: "did not run" in text_of(app.screen.query_one("#advice")))
            assert "1:29:00 to the 21:00 ET cutoff" in text_of(app.screen.query_one("#countdown"))
            facts = text_of(app.screen.query_one("#status-facts"))
            assert "none recorded" in facts and "cron(0 19 ? * MON-FRI *)" in facts

            await pilot.press("f2")
            await settle(pilot, lambda: app.screen.query_one(DataTable).row_count == 12)
            assert app.current_mode == "preview"

            await pilot.press("f3")
            await settle(pilot, lambda: app.screen.query_one(DataTable).row_count == 1)
            assert app.current_mode == "locks"

            await pilot.press("f4")
            await settle(pilot)
            assert app.current_mode == "history"

            await pilot.press("f5")
            await settle(pilot, lambda: app.screen.plan is not None)
            assert app.screen.plan.refusal() is None

            await pilot.press("f1")
            assert app.current_mode == "status"

    run(scenario())


def test_preview_filters_by_verdict_and_text_and_exports_csv(load, make_app, at_1931, tmp_path):
    document = scenarios.mixed(12, seed=21)
    document["floats"].append(
        {"id": 900, "user_id": 901, "status": "SCHEDULING", "amount_cents": 0, "due_date": "2026-11-21"}
    )
    load(document)

    async def scenario():
        app = make_app(initial="preview")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            table = screen.query_one(DataTable)
            await settle(pilot, lambda: table.row_count == 13)
            assert "8 submissions at 5.0/s" in text_of(screen.query_one("#preview-timing"))

            screen.query_one("#verdict", Select).value = "SUBMIT_ACH"
            await settle(pilot, lambda: table.row_count == 8)
            assert {row.verdict for row in screen.shown} == {"SUBMIT_ACH"}

            screen.query_one("#verdict", Select).clear()
            await pilot.press("slash")
            assert screen.query_one("#filter", Input).has_focus
            await type_text(pilot, "amount")
            await settle(pilot, lambda: table.row_count == 1)
            assert screen.shown[0].float.id == 900 and screen.shown[0].verdict == "SKIP_INVALID"

            table.focus()
            await pilot.press("e")
            await settle(pilot, lambda: "exported" in text_of(screen.query_one("#message-line")))
            with (tmp_path / "preview-sandbox-2026-11-20.csv").open() as handle:
                rows = list(csv.DictReader(handle))
            assert [r["float_id"] for r in rows] == ["900"]
            assert rows[0]["validity"] == "FAIL" and rows[0]["amount_cents"] == "0"

            run_date = screen.query_one("#run-date", Input)
            run_date.value = "2026-11-23"
            await pilot.click("#run-date")
            await pilot.press("enter")
            await settle(pilot, lambda: screen.preview.options.run_date.isoformat() == "2026-11-23")
            assert table.row_count == 0

    run(scenario())


def test_release_through_the_modal_asks_why_refuses_live_and_audits(load, make_app, app_context):
    from floatctl.tui.screens.release_lock import ReleaseLockScreen

    load(scenarios.mixed(2) | {"locks": [LIVE, ORPHAN, EXPIRED]})

    async def release(pilot, app, key: str, reason: str, force: bool = False) -> None:
        screen = app.screen
        table = screen.query_one(DataTable)
        table.move_cursor(row=[v.lease.lock_key for v in screen.views].index(key))
        await pilot.press("x")
        await settle(pilot, lambda: isinstance(app.screen, ReleaseLockScreen))
        modal = app.screen
        await type_text(pilot, reason)
        if force:
            modal.query_one("#release-force", Checkbox).value = True
        await pilot.click("#release-confirm")
        await settle(pilot, lambda: app.screen is screen)

    async def scenario():
        app = make_app(initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: len(screen.views) == 3)
            states = {v.lease.lock_key: v.state for v in screen.views}
            assert states == {"float#101": "live", "float#102": "orphaned", "day-before-ach": "expired"}

            # The palette lists the action; an empty reason keeps the modal open and says why.
            assert "Locks: Release" in {c.title for c in app.get_system_commands(screen)}
            screen.query_one(DataTable).move_cursor(row=0)
            await pilot.press("ctrl+p")
            await type_text(pilot, "Locks: Release")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot, lambda: isinstance(app.screen, ReleaseLockScreen))
            await pilot.click("#release-confirm")
            assert isinstance(app.screen, ReleaseLockScreen)
            assert "say why" in text_of(app.screen.query_one("#release-error"))
            await pilot.press("escape")
            await settle(pilot, lambda: app.screen is screen)
            assert "cancelled" in text_of(screen.query_one("#message-line"))

            await release(pilot, app, "float#102", "owner died")
            await settle(pilot, lambda: len(screen.views) == 2)
            assert "released float/float#102 (was orphaned)" in text_of(screen.query_one("#message-line"))

            await release(pilot, app, "float#101", "stuck")  # live, no force: refused
            await settle(pilot, lambda: "is live" in text_of(screen.query_one("#message-line")))
            assert "float#101" in _lock_keys(app_context)

            await release(pilot, app, "float#101", "operator checked", force=True)
            await settle(pilot, lambda: len(screen.views) == 1)

    run(scenario())
    from jobs.domain.calendar import today_in_new_york

    audit = app_context.runtime().audit().on(today_in_new_york())
    released = {a.target: a for a in audit if a.action == "lock.release"}
    assert released["float/float#102"].reason == "owner died"
    assert released["float/float#102"].before["state"] == "orphaned"
    assert released["float/float#101"].reason == "operator checked"
    assert _lock_keys(app_context) == {"day-before-ach"}


def test_history_searches_by_float_user_and_date(load, make_app, at_1931):
    document = scenarios.mixed(3, seed=5)
    first = document["floats"][0]
    document["history"] = [
        {
            "float_id": first["id"],
            "outcome": "SUBMITTED",
            "due_date": "2026-10-01",
            "event_at": "2026-09-30T23:10:00Z",
            "user_id": first["user_id"],
            "amount_cents": first["amount_cents"],
        }
    ]
    load(document)

    async def search(pilot, screen, kind: str, text: str) -> None:
        screen.query_one("#history-kind", Select).value = kind
        query = screen.query_one("#history-query", Input)
        query.value = ""
        query.focus()
        await type_text(pilot, text)
        await pilot.press("enter")
        await settle(pilot, lambda: not text_of(screen.query_one("#message-line")).startswith("searching"))

    async def scenario():
        app = make_app(initial="history")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot)
            await search(pilot, screen, "float", str(first["id"]))
            events = screen.query_one("#history-events", DataTable)
            assert events.row_count == 1 and events.display
            assert events.get_row_at(0)[4] == "SUBMITTED"
            await search(pilot, screen, "user", str(first["user_id"]))
            assert events.row_count == 1
            await search(pilot, screen, "date", "2026-11-20")
            assert "nothing recorded" in text_of(screen.query_one("#message-line"))
            await search(pilot, screen, "float", "seven")
            assert "error: a float id is a number" in text_of(screen.query_one("#message-line"))

    run(scenario())


def test_read_only_hides_and_blocks_release_and_launch(load, make_app, at_1931, app_context):
    from floatctl.tui.screens.launch import LaunchScreen
    from floatctl.tui.screens.locks import LocksScreen
    from jobs.domain.calendar import due_window
    from tests.scenarios import RUN_DATE

    load(scenarios.mixed(3, seed=24) | {"locks": [ORPHAN]})

    async def scenario():
        app = make_app(writable=False, initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: len(screen.views) == 1)
            assert screen.check_action("release", ()) is False
            assert "release" not in {b.binding.action for b in screen.active_bindings.values()}
            await pilot.press("x")
            await pilot.pause(0.2)
            assert isinstance(app.screen, LocksScreen)
            screen.action_release()  # even called directly, it does nothing
            await pilot.pause(0.2)
            assert isinstance(app.screen, LocksScreen)
            titles = {c.title for c in app.get_system_commands(app.screen)}
            assert "Locks: Refresh" in titles and "Locks: Release" not in titles
            assert "READ-ONLY" in text_of(screen.query_one("#env-banner"))

            await pilot.press("f5")
            launch = app.screen
            await settle(pilot, lambda: launch.plan is not None)
            assert isinstance(launch, LaunchScreen) and launch.plan.refusal() is None
            assert launch.check_action("launch", ()) is False
            await pilot.press("x")
            await pilot.pause(0.2)
            assert app.screen is launch and not launch.busy
            assert "Read-only" in text_of(launch.query_one("#launch-verdict"))
            assert "Launch: Launch" not in {c.title for c in app.get_system_commands(launch)}

    run(scenario())
    assert _lock_keys(app_context) == {"float#102"}
    assert app_context.runtime().history().runs(due_window(RUN_DATE).end) == []


def test_a_failing_dependency_is_one_line_and_prod_is_loud():
    from types import SimpleNamespace

    from floatctl.tui.app import FloatctlApp
    from jobs.errors import DependencyError

    def unreachable():
        raise DependencyError("cannot reach AWS at http://127.0.0.1:9", hint="is the VPN up?")

    context = SimpleNamespace(env="prod", runtime=unreachable)

    async def scenario():
        app = FloatctlApp(context, writable=False)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: "error" in text_of(app.screen.query_one("#message-line")))
            line = text_of(app.screen.query_one("#message-line"))
            assert line == "error: cannot reach AWS at http://127.0.0.1:9 (hint: is the VPN up?)"
            banner = app.screen.query_one("#env-banner")
            assert "PRODUCTION" in text_of(banner) and banner.has_class("-prod")
            await pilot.press("f3")
            await settle(pilot, lambda: "error" in text_of(app.screen.query_one("#message-line")))
            assert app.is_running

    run(scenario())


def test_status_refreshes_by_itself(load, make_app, at_1931, app_context, monkeypatch):
    import time

    from floatctl.tui.screens import status
    from jobs.domain.leases import Lease

    monkeypatch.setattr(status, "REFRESH_EVERY_S", 0.3)
    load(scenarios.mixed(3, seed=25))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            facts = app.screen.query_one("#status-facts")
            await settle(pilot, lambda: "job lock" in text_of(facts))
            assert "free" in text_of(facts)
            now = time.time()
            app_context.runtime().locks().put(
                Lease("job", "day-before-ach", "run-x", "other-host:9", now, now + 300, "rvn-x")
            )
            await settle(pilot, lambda: "live: run run-x on other-host:9" in text_of(facts), timeout=5)

    run(scenario())
