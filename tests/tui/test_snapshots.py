"""SVG snapshots of every screen and both confirm modals: frozen clock, fixed size, steady data.

Run ids, task ARNs and real timestamps never appear: scenarios fix every id, FLOATCTL_NOW freezes the
clock, lock ages show to the minute, and the RunTask request's moto network ids are masked.
Update with `pytest tests/tui --snapshot-update` and review the SVGs before committing them.
"""

from __future__ import annotations

from textual.widgets import DataTable, Select

from tests import scenarios
from tests.tui.support import SIZE, settle, steady_inputs, type_text

LIVE = {
    "namespace": "float",
    "lock_key": "float#101",
    "owner": "20261120T000105Z-5f2a9c1e",
    "owner_task": "ip-10-42-1-17:4242",
    "lease_expires_in_s": 600,
    "rvn": "3f9c2a7d0b6e4c18a5d2e9f1c7b3a640",
}
EXPIRED = {
    "namespace": "job",
    "lock_key": "day-before-ach",
    "owner": "20261120T000105Z-5f2a9c1e",
    "owner_task": "ip-10-42-1-17:4242",
    "lease_expires_in_s": -30,
    "rvn": "9d1e4b2c7a3f4e6d8b0c5a1f2e3d4c5b",
}


def _preview_scenario() -> dict:
    document = scenarios.mixed(12, seed=21)
    document["floats"].append(
        {"id": 900, "user_id": 901, "status": "SCHEDULING", "amount_cents": 0, "due_date": "2026-11-21"}
    )
    return document


def test_status_screen(snap_compare, load, make_app, at_1931):
    """The missed fire at 19:31: the advice says launch now, the countdown shows 1:29:00."""
    load(scenarios.mixed(12, seed=21))

    async def loaded(pilot):
        await settle(pilot, lambda: "did not run" in str(pilot.app.screen.query_one("#advice").content))

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=loaded)


def test_preview_screen(snap_compare, load, make_app, at_1931):
    """Every float with each rule's result, totals per verdict and the ETA against the cutoff."""
    load(_preview_scenario())

    async def loaded(pilot):
        await settle(pilot, lambda: pilot.app.screen.query_one(DataTable).row_count == 13)
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="preview"), terminal_size=SIZE, run_before=loaded)


def test_preview_screen_filtered(snap_compare, load, make_app, at_1931):
    """The verdict filter and the free-text filter together."""
    load(_preview_scenario())

    async def filtered(pilot):
        screen = pilot.app.screen
        await settle(pilot, lambda: screen.query_one(DataTable).row_count == 13)
        screen.query_one("#verdict", Select).value = "SUBMIT_ACH"
        await pilot.press("slash")
        await type_text(pilot, "1000")
        await settle(pilot, lambda: screen.query_one(DataTable).row_count == 6)
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="preview"), terminal_size=SIZE, run_before=filtered)


def test_locks_screen(snap_compare, load, make_app, at_1931):
    """A live float lock and an expired job lock, with ages to the minute."""
    load(scenarios.mixed(2) | {"locks": [LIVE, EXPIRED]})

    async def loaded(pilot):
        await settle(pilot, lambda: len(pilot.app.screen.views) == 2)

    assert snap_compare(make_app(initial="locks"), terminal_size=SIZE, run_before=loaded)


def test_release_modal(snap_compare, load, make_app, at_1931):
    """The release modal of a live lock: the lock, its rvn, a reason, and the force box."""
    load(scenarios.mixed(2) | {"locks": [LIVE, EXPIRED]})

    async def opened(pilot):
        screen = pilot.app.screen
        await settle(pilot, lambda: len(screen.views) == 2)
        screen.query_one(DataTable).move_cursor(row=1)
        await pilot.press("x")
        await settle(pilot, lambda: pilot.app.screen is not screen)
        await type_text(pilot, "task stopped at 19:04 (OOM)")
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="locks"), terminal_size=SIZE, run_before=opened)


def test_history_screen(snap_compare, load, make_app, at_1931):
    """A float's events, newest first, with payment ids."""
    document = scenarios.mixed(3, seed=5)
    first = document["floats"][0]
    document["history"] = [
        {
            "float_id": first["id"],
            "outcome": outcome,
            "due_date": due,
            "event_at": at,
            "user_id": first["user_id"],
            "amount_cents": first["amount_cents"],
            "reason": reason,
        }
        for outcome, due, at, reason in (
            ("SUBMITTED", "2026-10-01", "2026-09-30T23:10:00Z", "next-day ACH accepted"),
            ("ACH_PENDING", "2026-10-01", "2026-09-30T23:09:58Z", "submitting"),
            ("FAILED", "2026-09-01", "2026-08-31T23:10:00Z", "payments 422: account closed"),
        )
    ]
    load(document)

    async def searched(pilot):
        screen = pilot.app.screen
        await settle(pilot)
        await pilot.press("slash")
        await type_text(pilot, str(first["id"]))
        await pilot.press("enter")
        events = screen.query_one("#history-events", DataTable)
        # An auto-height table takes its height on a later idle: wait for the header and three rows.
        await settle(pilot, lambda: events.row_count == 3 and events.size.height >= 4)
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="history"), terminal_size=SIZE, run_before=searched)


def test_launch_screen(snap_compare, load, make_app, at_1931, steady_request):
    """Every guard passes at 19:31; the exact RunTask request (network ids masked)."""
    load(scenarios.mixed(6, seed=23))

    async def planned(pilot):
        await settle(pilot, lambda: pilot.app.screen.plan is not None)
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="launch"), terminal_size=SIZE, run_before=planned)


def test_launch_modal(snap_compare, load, make_app, at_1931, steady_request):
    """The launch confirm: run date, task definition, client token, operator."""
    load(scenarios.mixed(6, seed=23))

    async def opened(pilot):
        screen = pilot.app.screen
        await settle(pilot, lambda: screen.plan is not None)
        await pilot.press("x")
        await settle(pilot, lambda: pilot.app.screen is not screen)

    assert snap_compare(make_app(initial="launch"), terminal_size=SIZE, run_before=opened)


def test_launch_screen_read_only(snap_compare, load, make_app, at_1931, steady_request):
    """Read-only: the banner says so, the footer has no Launch key, the verdict explains."""
    load(scenarios.mixed(6, seed=23))

    async def planned(pilot):
        await settle(pilot, lambda: pilot.app.screen.plan is not None)
        steady_inputs(pilot)

    assert snap_compare(make_app(writable=False, initial="launch"), terminal_size=SIZE, run_before=planned)


SMALL = (80, 24)


def test_status_screen_at_80x24(snap_compare, load, make_app, at_1931):
    """A small terminal: the body scrolls, the footer starts with Quit and Help."""
    load(scenarios.mixed(12, seed=21))

    async def loaded(pilot):
        await settle(pilot, lambda: "did not run" in str(pilot.app.screen.query_one("#advice").content))

    assert snap_compare(make_app(), terminal_size=SMALL, run_before=loaded)


def test_help_screen(snap_compare, load, make_app, at_1931):
    """`?` on the locks screen: its keys, then the keys of the whole app."""
    load(scenarios.mixed(2) | {"locks": [LIVE, EXPIRED]})

    async def opened(pilot):
        screen = pilot.app.screen
        await settle(pilot, lambda: len(screen.views) == 2)
        await pilot.press("question_mark")
        await settle(pilot, lambda: pilot.app.screen is not screen)

    assert snap_compare(make_app(initial="locks"), terminal_size=SIZE, run_before=opened)


def test_history_nights(snap_compare, load, make_app, at_1931, app_context):
    """`n` on history: the last 30 nights, a bar of the amount per night, missed nights in red."""
    from datetime import UTC, datetime, timedelta

    from jobs.domain.calendar import due_window
    from jobs.domain.records import RunRecord

    load(scenarios.mixed(2, seed=5))
    history = app_context.runtime().history()
    for day, amount, status in (
        (19, 182_350, "SUCCEEDED"),
        (18, 95_000, "SUCCEEDED"),
        (17, 40_500, "INTERRUPTED"),
        (16, 40_500, "SUCCEEDED"),
        (12, 150_000, "FAILED"),
    ):
        run_date = datetime(2026, 11, day).date()
        started = datetime(2026, 11, day + 1, 0, 1, 5, tzinfo=UTC)
        history.put_run(
            RunRecord(
                f"202611{day + 1:02d}T000105Z-{day:08x}",
                due_window(run_date).end,
                run_date,
                started,
                status,
                finished_at=started + timedelta(minutes=6),
                submitted_amount_cents=amount,
                counts={"SUBMITTED": amount // 10_000, "SKIP_VALID_CARD": 4},
            )
        )

    async def shown(pilot):
        await settle(pilot)
        await pilot.press("n")
        await settle(
            pilot, lambda: "last 30 nights" in str(pilot.app.screen.query_one("#message-line").content)
        )
        steady_inputs(pilot)

    assert snap_compare(make_app(initial="history"), terminal_size=SIZE, run_before=shown)


def test_status_screen_schedule_paused(snap_compare, load, make_app, at_1931, app_context, enabled_again):
    """A paused schedule is the first thing on the home screen, in the error colour."""
    from jobs.adapters.scheduler import update_request

    load(scenarios.mixed(12, seed=21))
    client = app_context.runtime().aws.client("scheduler")
    settings = app_context.settings
    current = client.get_schedule(Name=settings.schedule_name, GroupName=settings.schedule_group)
    client.update_schedule(**update_request(current, "DISABLED"))  # paused outside floatctl: no audit

    async def loaded(pilot):
        await settle(pilot, lambda: pilot.app.screen.query_one("#schedule-notice").display)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=loaded)
