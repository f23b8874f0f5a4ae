"""The k9s habits (issue 18): ?, :, /, Esc, j/k, q; refused keys say why; stale figures; 80×24;
the detail line; TUI wording and one time format. Pilot against the session sandbox."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import DataTable, Footer, Input

from tests import scenarios
from tests.tui.support import SIZE, run, settle, text_of, type_text

SMALL = (80, 24)
LOCKS = [
    {
        "namespace": "float",
        "lock_key": f"float#{n}",
        "owner": f"run-{n}",
        "owner_task": "other-host:1",
        "lease_expires_in_s": 600,
        "rvn": f"rvn-{n}",
    }
    for n in (101, 102, 103)
]


def _message(app) -> str:
    return text_of(app.screen.query_one("#message-line"))


@pytest.mark.parametrize("mode", ["status", "preview", "locks", "history", "launch"])
def test_q_quits_from_every_screen_when_no_text_box_has_focus(load, make_app, at_1931, mode):
    load(scenarios.mixed(3, seed=31))

    async def scenario():
        app = make_app(initial=mode)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert not isinstance(app.focused, Input), f"{mode} starts in a text box: q would type"
            await pilot.press("q")
            await pilot.pause()
            assert not app.is_running

    run(scenario())


def test_q_types_in_a_text_box_and_esc_leaves_and_clears_the_filter(load, make_app, at_1931):
    load(scenarios.mixed(12, seed=21))

    async def scenario():
        app = make_app(initial="preview")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            table = screen.query_one(DataTable)
            await settle(pilot, lambda: table.row_count == 12)
            await pilot.press("slash")
            box = screen.query_one("#filter", Input)
            assert box.has_focus
            await type_text(pilot, "q")
            await settle(pilot, lambda: table.row_count == 0)
            assert app.is_running and box.value == "q"
            assert text_of(screen.query_one("#preview-detail")) == ""  # the detail line cleared with its row
            await pilot.press("escape")
            await settle(pilot, lambda: table.row_count == 12)
            assert box.value == "" and table.has_focus
            # Esc from the run date leaves it without clearing it (it is not a filter).
            screen.query_one("#run-date", Input).focus()
            await pilot.press("escape")
            assert table.has_focus and screen.query_one("#run-date", Input).value == "2026-11-20"

    run(scenario())


def test_help_and_the_colon_palette(load, make_app, at_1931):
    from floatctl.tui.screens.help import HelpScreen

    load(scenarios.mixed(2, seed=32))

    async def scenario():
        app = make_app(initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            locks = app.screen
            await pilot.press("question_mark")
            await settle(pilot, lambda: isinstance(app.screen, HelpScreen))
            keys = text_of(app.screen.query_one("#help-screen-keys"))
            assert "Release the highlighted lock" in keys and "Filter the locks" in keys
            assert "j / k" in text_of(app.screen.query_one("#help-global-keys"))
            await pilot.press("escape")
            await settle(pilot, lambda: app.screen is locks)
            # The palette runs its own search workers: pause rather than settle.
            await pilot.press("colon")
            await pilot.pause(0.3)
            assert isinstance(app.screen, CommandPalette)
            await pilot.press("escape")
            await pilot.pause(0.2)
            if app.screen is not locks:  # the first Esc may only close the results list
                await pilot.press("escape")
                await pilot.pause(0.2)
            assert app.screen is locks  # (Ctrl+P still opens it: tests/tui/test_pilot.py)

    run(scenario())


def test_j_k_move_and_slash_filters_the_locks(load, make_app, at_1931):
    load(scenarios.mixed(2) | {"locks": LOCKS})

    async def scenario():
        app = make_app(initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            table = screen.query_one(DataTable)
            await settle(pilot, lambda: table.row_count == 3)
            assert table.has_focus and table.cursor_row == 0
            await pilot.press("j", "j")
            assert table.cursor_row == 2
            await pilot.press("k")
            assert table.cursor_row == 1
            await pilot.press("slash")
            await type_text(pilot, "float#103")
            await settle(pilot, lambda: table.row_count == 1)
            assert [v.lease.lock_key for v in screen.views] == ["float#103"]
            assert "3 locks, 1 shown" in str(table.border_title)
            await pilot.press("escape")  # leaves the box and clears it
            await settle(pilot, lambda: table.row_count == 3)
            await type_text(pilot, "/run-102")
            await settle(pilot, lambda: table.row_count == 1)
            table.focus()
            await pilot.press("escape")  # with the table focused: clears the filter
            await settle(pilot, lambda: table.row_count == 3)
            assert _message(app) == "filter cleared"

    run(scenario())


def test_refused_and_read_only_keys_say_why(load, make_app, at_1931):
    load(scenarios.mixed(3, seed=33) | {"locks": LOCKS[:1]})

    async def scenario():
        app = make_app(writable=False, initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: len(app.screen.views) == 1)
            await pilot.press("x")
            assert _message(app) == (
                "error: read-only: releasing a lock is disabled (start floatctl tui with --allow-writes)"
            )
            await pilot.press("f5")
            await settle(pilot, lambda: app.screen.plan is not None)
            await pilot.press("x")
            assert "read-only: launching is disabled" in _message(app)
            await pilot.press("f1")
            await settle(pilot)
            await pilot.press("p")
            assert "read-only: pausing or resuming the schedule is disabled" in _message(app)

    run(scenario())


def test_a_refused_launch_key_says_which_guard_in_tui_words(load, make_app, at_1931):
    document = scenarios.mixed(3, seed=34)
    document["runs"] = [
        {
            "run_id": "20261121T000105Z-done",
            "run_date": "2026-11-20",
            "status": "SUCCEEDED",
            "started_at": "2026-11-21T00:01:05Z",
        }
    ]
    load(document)

    async def scenario():
        app = make_app(initial="launch")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: screen.plan is not None)
            assert screen.check_action("launch", ()) is None  # greyed in the footer
            await pilot.press("x")
            line = _message(app)
            assert line.startswith("error: launch refused: no run RUNNING or SUCCEEDED")
            await pilot.press("s")
            assert _message(app) == "error: no task of the family is running: there is nothing to stop"

    run(scenario())


def test_live_lock_refusal_says_tick_force_not_the_flag(load, make_app, at_1931):
    from floatctl.tui.screens.release_lock import ReleaseLockScreen

    load(scenarios.mixed(2) | {"locks": LOCKS[:1]})

    async def scenario():
        app = make_app(initial="locks")
        async with app.run_test(size=SIZE) as pilot:
            screen = app.screen
            await settle(pilot, lambda: len(screen.views) == 1)
            await pilot.press("x")
            await settle(pilot, lambda: isinstance(app.screen, ReleaseLockScreen))
            await type_text(pilot, "stuck")
            await pilot.press("enter")
            await settle(pilot, lambda: "is live" in _message(app))
            assert "tick force" in _message(app) and "--force" not in _message(app)

    run(scenario())


def test_status_advice_in_tui_words_and_one_time_format(load, make_app, at_1931):
    load(scenarios.mixed(3, seed=35))

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: "did not run" in text_of(app.screen.query_one("#advice")))
            advice = text_of(app.screen.query_one("#advice"))
            assert "press F5" in advice and "floatctl launch" not in advice
            facts = text_of(app.screen.query_one("#status-facts"))
            assert "now                    Fri 2026-11-20 19:31:00 EST" in facts
            assert "its fire               Fri 2026-11-20 19:00:00 EST" in facts
            assert text_of(app.screen.query_one("#status-read")) == "read Fri 2026-11-20 19:31:00 EST"

    run(scenario())


def test_figures_that_fail_to_refresh_are_marked_stale_with_the_last_good_read(
    load, make_app, at_1931, monkeypatch
):
    from jobs.errors import DependencyError

    load(scenarios.mixed(3, seed=36) | {"locks": LOCKS[:1]})

    async def scenario():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            facts = app.screen.query_one("#status-facts")
            await settle(pilot, lambda: "job lock" in text_of(facts))
            good = app.runtime

            def unreachable():
                raise DependencyError("cannot reach AWS at http://127.0.0.1:9")

            app.runtime = unreachable
            monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T19:32:30-05:00")
            await pilot.press("r")
            note = app.screen.query_one("#status-read")
            await settle(pilot, lambda: note.has_class("-stale"))
            assert text_of(note) == (
                "STALE: the refresh at Fri 2026-11-20 19:32:30 EST failed; these figures are from the "
                "last good read, Fri 2026-11-20 19:31:00 EST"
            )
            assert "job lock" in text_of(facts) and facts.has_class("-stale")

            await pilot.press("f3")  # the locks screen never read: says so
            await settle(pilot, lambda: app.screen.query_one("#locks-read").has_class("-stale"))
            assert "nothing has been read yet" in text_of(app.screen.query_one("#locks-read"))

            await pilot.press("f2")  # nor the preview: its rows stay empty and the note says why
            await settle(pilot, lambda: app.screen.query_one("#preview-read").has_class("-stale"))
            assert "nothing has been read yet" in text_of(app.screen.query_one("#preview-read"))

            await pilot.press("f3")
            app.runtime = good
            await pilot.press("r")
            await settle(pilot, lambda: not app.screen.query_one("#locks-read").has_class("-stale"))
            assert text_of(app.screen.query_one("#locks-read")) == "read Fri 2026-11-20 19:32:30 EST"

    run(scenario())


@pytest.mark.parametrize("mode", ["status", "preview", "locks", "history", "launch"])
def test_at_80x24_quit_stays_visible_and_the_body_scrolls(load, make_app, at_1931, mode):
    many = [dict(LOCKS[0], lock_key=f"float#{n}", rvn=f"rvn-{n}") for n in range(200, 230)]
    load(scenarios.mixed(40, seed=37) | {"locks": many})
    bodies = {
        "status": "#status-body",
        "preview": "#preview-body",
        "locks": "#locks-table",
        "history": "#history-results",
        "launch": "#launch-body",
    }

    async def scenario():
        app = make_app(initial=mode)
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            if mode == "history":
                await pilot.press("n")
                await settle(pilot, lambda: "last 30 nights" in _message(app))
            await pilot.pause(0.2)
            footer = app.screen.query_one(Footer)
            quit_key = next(k for k in footer.query("FooterKey") if k.description == "Quit")
            assert quit_key.region.right <= SMALL[0] and quit_key.region.width > 0
            body = app.screen.query_one(bodies[mode])
            assert body.max_scroll_y > 0, f"{mode}: the content fits 24 rows, so this proves nothing"
            body.scroll_end(animate=False)
            await pilot.pause(0.1)
            assert body.scroll_y == body.max_scroll_y

    run(scenario())


def test_nights_view_has_a_bar_per_night_and_marks_missed_nights(load, make_app, at_1931, app_context):
    from datetime import UTC, datetime, timedelta

    from jobs.domain.calendar import due_window
    from jobs.domain.records import RunRecord

    load(scenarios.mixed(2, seed=38))
    history = app_context.runtime().history()
    for day, amount in ((19, 120_000), (18, 60_000), (16, 30_000)):
        started = datetime(2026, 11, day + 1, 0, 1, tzinfo=UTC)
        run_date = datetime(2026, 11, day).date()
        history.put_run(
            RunRecord(
                f"run-{day}",
                due_window(run_date).end,
                run_date,
                started,
                "SUCCEEDED",
                finished_at=started + timedelta(minutes=4),
                submitted_amount_cents=amount,
                counts={"SUBMITTED": 3},
            )
        )

    async def scenario():
        app = make_app(initial="history")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n")
            await settle(pilot, lambda: "last 30 nights" in _message(app))
            chart = text_of(app.screen.query_one("#history-nights"))
            lines = {
                line.split()[1]: line
                for line in chart.splitlines()
                if line.startswith(("Mon", "Tue", "Wed", "Thu", "Fri"))
            }
            assert "SUCCEEDED" in lines["2026-11-19"] and "█" * 24 in lines["2026-11-19"]
            assert "█" * 12 in lines["2026-11-18"] and "█" * 13 not in lines["2026-11-18"]
            assert "NO RUN" in lines["2026-11-20"] and "NO RUN" in lines["2026-11-17"]
            assert "total $2,100.00" in chart
            assert _message(app) == "last 30 nights: 3 runs, 27 nights without a run"
            assert app.screen.query_one("#history-runs", DataTable).row_count == 3

    run(scenario())


def test_status_shows_the_logs_link_of_the_latest_run(load, make_app, at_1931, monkeypatch):
    monkeypatch.setenv("DD_SITE", "datadoghq.eu")
    document = scenarios.mixed(2, seed=39)
    document["runs"] = [
        {
            "run_id": "20261121T000105Z-failed9",
            "run_date": "2026-11-20",
            "status": "FAILED",
            "started_at": "2026-11-21T00:01:05Z",
        }
    ]
    load(document)

    async def scenario():
        app = make_app()
        async with app.run_test(size=(200, 40)) as pilot:
            facts = app.screen.query_one("#status-facts")
            await settle(pilot, lambda: "job lock" in text_of(facts))
            line = next(line for line in text_of(facts).splitlines() if line.startswith("logs"))
            assert "https://app.datadoghq.eu/logs?query=service%3Acollections-jobs" in line
            assert "20261121T000105Z-failed9" in line

    run(scenario())
