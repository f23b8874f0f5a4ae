"""What a launch now would do, in money (jobs.oncall.rerun.plan_relaunch), as `recover --dry-run` says it:
the floats it would submit or resubmit by kind, the time they need against the cutoff, and past the
cutoff the date ACH settles and the dollars that slip."""

from __future__ import annotations

from typing import Any

from textual.widgets import Static

from floatctl.tui.format import dollars
from jobs.words import duration, plural

FLOATS_LISTED = 8  # the rest is counted; `floatctl recover --dry-run` lists them all


def rerun_lines(rerun: dict[str, Any]) -> list[str]:
    """The prediction in lines: totals by kind, timing against the cutoff, the first float ids."""
    total, timing = rerun["total"], rerun["timing"]
    kinds = "; ".join(
        f"{kind} {plural(t['count'], 'float')} {dollars(t['amount_cents'])}"
        for kind, t in rerun["by_kind"].items()
    )
    lines = [
        f"would submit {plural(total['count'], 'float')} {dollars(total['amount_cents'])}"
        + (f" ({kinds})" if kinds else "")
    ]
    if total["count"]:
        fits = "fits" if timing["fits"] else "DOES NOT FIT"
        left = max(timing["seconds_to_cutoff"], 0)
        lines.append(
            f"at {timing['rate_per_s']:g}/s they need {duration(timing['needed_s'])}; "
            f"{duration(left)} to the 21:00 ET cutoff: {fits}"
        )
        ids = [str(f["float_id"]) for f in rerun["floats"]]
        more = len(ids) - FLOATS_LISTED
        lines.append("floats " + ", ".join(ids[:FLOATS_LISTED]) + (f", … (+{more})" if more > 0 else ""))
    return lines


def late_line(late: dict[str, Any]) -> str:
    """Past the cutoff: when ACH settles if launched now, and the dollars that settle after their due date."""
    slip, total = late["slipping"], late["total"]
    return (
        f"past the cutoff: launched now, ACH settles {late['expected_settlement']}; "
        f"{plural(slip['count'], 'float')} {dollars(slip['amount_cents'])} settle after their due date "
        f"(of {plural(total['count'], 'submission')} {dollars(total['amount_cents'])})"
    )


class RelaunchPanel(Static):
    """The launch's prediction under the checklist (empty while none applies)."""

    def show(self, numbers: dict[str, Any] | None) -> None:
        if numbers is None:
            self.update("")
            return
        lines = rerun_lines(numbers["rerun"])
        if numbers.get("late"):
            lines.append(late_line(numbers["late"]))
        self.update("\n".join(lines))

    def computing(self) -> None:
        self.update("computing what the launch would submit…")
