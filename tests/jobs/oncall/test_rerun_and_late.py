"""What a relaunch will do in money (jobs.oncall.rerun.predict) and what a late launch slips
(jobs.oncall.late.late_impact): pure functions over a preview, checked with every kind of float."""

from __future__ import annotations

from datetime import date, datetime

from jobs.batch.options import BatchOptions
from jobs.domain.calendar import NEW_YORK
from jobs.domain.model import Float, FloatHistory
from jobs.finance.preview import Preview, PreviewRow
from jobs.oncall.late import late_impact
from jobs.oncall.rerun import NEVER_REACHED, RESEND_PENDING, RESUBMIT_FAILED, predict

RUN_DATE = date(2026, 11, 20)  # a Friday: the window is Saturday..Monday


def _preview(*rows: tuple[int, int, date, str]) -> Preview:
    return Preview(
        BatchOptions(run_date=RUN_DATE, payment_submit_rate=2),
        [
            PreviewRow(Float(i, 10 + i, "SCHEDULING", cents, due), verdict, "", ())
            for i, cents, due, verdict in rows
        ],
        generated_at=datetime(2026, 11, 20, 19, 30, tzinfo=NEW_YORK),
    )


PREVIEW = _preview(
    (1, 5000, date(2026, 11, 21), "SUBMIT_ACH"),
    (2, 7000, date(2026, 11, 23), "SUBMIT_ACH"),
    (3, 900, date(2026, 11, 23), "SUBMIT_ACH"),
    (4, 100, date(2026, 11, 23), "SKIP_VALID_CARD"),
)


def test_the_rerun_plan_labels_each_float_by_what_history_says():
    histories = {
        1: FloatHistory(),  # never reached
        2: FloatHistory(pending_key="day-before-ach:2:2026-11-23", ach_attempts=0),
        3: FloatHistory(ach_attempts=2),  # FAILED twice with a key: one more attempt, within the cap
    }
    plan = predict(PREVIEW, lambda float_id, due: histories[float_id])
    assert [(f["float_id"], f["kind"], f["attempts"]) for f in plan["floats"]] == [
        (1, NEVER_REACHED, 0),
        (2, RESEND_PENDING, 0),
        (3, RESUBMIT_FAILED, 2),
    ]
    assert plan["by_kind"] == {
        NEVER_REACHED: {"count": 1, "amount_cents": 5000},
        RESEND_PENDING: {"count": 1, "amount_cents": 7000},
        RESUBMIT_FAILED: {"count": 1, "amount_cents": 900},
    }
    assert plan["total"] == {"count": 3, "amount_cents": 12900}
    assert plan["timing"]["needed_s"] == 1.5  # 3 submissions at 2 per second


def test_a_late_launch_says_which_floats_settle_later_than_an_on_time_launch():
    # Launched Friday 21:30 ET: past Friday's cutoff, so the ACH settles Tuesday 2026-11-24, a day
    # after Monday, when an on-time launch settles the whole window (float 1 is due Saturday).
    impact = late_impact(PREVIEW, datetime(2026, 11, 20, 21, 30, tzinfo=NEW_YORK))
    assert impact["expected_settlement"] == "2026-11-24"
    assert impact["on_time_settlement"] == "2026-11-23"
    assert [(f["float_id"], f["days_late"]) for f in impact["floats"]] == [(1, 1), (2, 1), (3, 1)]
    assert impact["slipping"] == {"count": 3, "amount_cents": 12900} == impact["total"]
    # Before the cutoff the ACH settles Monday, the window's last day.
    on_time = late_impact(PREVIEW, datetime(2026, 11, 20, 20, 0, tzinfo=NEW_YORK))
    assert on_time["expected_settlement"] == "2026-11-23"
    assert [f["days_late"] for f in on_time["floats"]] == [0, 0, 0]  # Saturday's float too
    assert on_time["slipping"] == {"count": 0, "amount_cents": 0}
