"""A launch past the cutoff, in numbers: each float's expected settlement if launched now, and the
dollars that settle later than an on-time launch would have settled them. Shown before
`--after-cutoff` is confirmed.

Late is measured against the on-time settlement, not the due date: Friday's window holds floats due
on Saturday and Sunday, which settle on Monday even when the 19:00 fire runs on time. Counting from the
due date would show them "slipping" two days on a night nothing went wrong."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobs.domain.calendar import fire_at, settlement_date
from jobs.domain.model import SUBMIT_ACH
from jobs.oncall.ports import OncallRuntime


def late_impact(preview: Any, launch_at: datetime) -> dict[str, Any]:
    """The SUBMIT_ACH floats of `preview` with the date they would settle if launched at `launch_at`."""
    settles = settlement_date(launch_at)
    on_time = settlement_date(fire_at(preview.options.run_date))
    floats = []
    for row in preview.rows:
        if row.verdict != SUBMIT_ACH:
            continue
        f = row.float
        late_days = (settles - max(f.due_date or on_time, on_time)).days
        floats.append(
            {
                "float_id": f.id,
                "amount_cents": max(f.amount_cents or 0, 0),
                "due_date": f.due_date.isoformat() if f.due_date else None,
                "expected_settlement": settles.isoformat(),
                "days_late": max(late_days, 0),
            }
        )
    slipping = [f for f in floats if f["days_late"] > 0]
    return {
        "launch_at": launch_at.isoformat(),
        "expected_settlement": settles.isoformat(),
        "on_time_settlement": on_time.isoformat(),
        "floats": floats,
        "slipping": {"count": len(slipping), "amount_cents": sum(f["amount_cents"] for f in slipping)},
        "total": {"count": len(floats), "amount_cents": sum(f["amount_cents"] for f in floats)},
    }


def plan_late(runtime: OncallRuntime, settings: Any, run_date: Any, launch_at: datetime) -> dict[str, Any]:
    """Preview the night (settings' knobs, locks read) and measure what a launch now would slip."""
    from jobs.finance.preview import build_preview, preview_options

    options = preview_options(settings, run_date)
    preview = build_preview(options, runtime.sources(), workers=options.workers, locks=runtime.locks())
    return late_impact(preview, launch_at)
