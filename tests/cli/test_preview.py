"""`floatctl preview` predicts the run: held locks are SKIP_LOCKED, and the knobs come from the settings."""

from __future__ import annotations

import json
import socket

from tests import scenarios
from tests.tui.support import SIZE, run, settle


def _preview(cli, *args):
    result = cli("-o", "json", "preview", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def _held(float_id: int, owner_task: str, lease_s: int) -> dict:
    return {
        "namespace": "float",
        "lock_key": f"float#{float_id}",
        "owner": f"run-{float_id}",
        "owner_task": owner_task,
        "lease_expires_in_s": lease_s,
    }


def test_a_float_locked_by_someone_alive_previews_as_skip_locked_and_the_run_agrees(
    sandbox, load, cli, at_1931
):
    from floatctl_sandbox import actions

    document = scenarios.mixed(9, seed=41)
    unlocked = _preview_ids(cli, load, document)
    alive, dead, expired = unlocked[:3]
    document["locks"] = [
        _held(alive, "other-host:7", 6 * 3600),  # another run, 6 h of lease: the run skips it
        _held(dead, f"{socket.gethostname()}:999999", 6 * 3600),  # its owner is provably gone
        _held(expired, "other-host:8", -60),  # the lease ran out
    ]
    load(document)
    before = _locks(sandbox)
    preview = _preview(cli)
    rows = {r["float_id"]: r for r in preview["rows"]}
    assert rows[alive]["verdict"] == "SKIP_LOCKED"
    assert rows[alive]["reason"].startswith(f"locked by run run-{alive} on other-host:7, ")
    assert rows[alive]["reason"].endswith("s of lease left") and "21" in rows[alive]["reason"]
    assert rows[alive]["rules"]["validity"]["result"] == "pass"  # every rule is still shown
    assert rows[dead]["verdict"] == rows[expired]["verdict"] == "SUBMIT_ACH"
    assert _locks(sandbox) == before  # the preview read the locks and wrote none
    only = _preview(cli, "--verdict", "skip_locked")
    assert [r["float_id"] for r in only["rows"]] == [alive]

    predicted = {r["float_id"] for r in preview["rows"] if r["verdict"] == "SUBMIT_ACH"}
    ran = cli("run", "day-before-ach", "--date", "2026-11-20")
    assert ran.exit_code == 0, ran.stderr
    assert {p["float_id"] for p in actions.payments(sandbox)} == predicted


def _preview_ids(cli, load, document) -> list[int]:
    load(document)
    return [r["float_id"] for r in _preview(cli)["rows"] if r["verdict"] == "SUBMIT_ACH"]


def _locks(sandbox) -> list[tuple]:
    from floatctl.context import AppContext
    from floatctl.output import Output
    from jobs.settings import Settings

    context = AppContext(Settings.load(), Output(format="json"))
    context._sandbox = sandbox
    locks = context.runtime().locks()
    return sorted((lk.lock_key, lk.rvn, lk.lease_expires_at) for lk in locks.list("float"))


def _capped_scenario() -> dict:
    document = scenarios.mixed(6, seed=42)
    capped = document["floats"][1]["id"]  # no card (only every third float has one)
    document["history"] = [
        {
            "float_id": capped,
            "run_id": f"r-{n}",
            "outcome": "FAILED",
            "due_date": f"2026-10-0{n}",
            "event_at": f"2026-10-0{n}T00:10:00Z",
            "idempotency_key": f"day-before-ach:{capped}:2026-10-0{n}",
        }
        for n in (1, 2)
    ]
    return document


def test_max_ach_attempts_from_the_environment_changes_cli_and_tui_alike(
    sandbox, load, cli, monkeypatch, at_1931
):
    from floatctl.context import AppContext
    from floatctl.output import Output
    from floatctl.tui.app import FloatctlApp
    from jobs.settings import Settings

    load(_capped_scenario())
    default = {r["float_id"]: r["verdict"] for r in _preview(cli)["rows"]}
    monkeypatch.setenv("FLOATCTL_MAX_ACH_ATTEMPTS", "2")
    capped = {r["float_id"]: r["verdict"] for r in _preview(cli)["rows"]}
    changed = {fid for fid in capped if capped[fid] != default[fid]}
    assert len(changed) == 1 and {capped[f] for f in changed} == {"SKIP_ATTEMPT_CAP"}
    flag = {r["float_id"]: r["verdict"] for r in _preview(cli, "--max-ach-attempts", "3")["rows"]}
    assert flag == default  # the flag wins over the environment

    context = AppContext(Settings.load(), Output(format="json"))  # built after the env var, as `floatctl tui`
    context._sandbox = sandbox

    async def tui_verdicts() -> dict[int, str]:
        app = FloatctlApp(context, writable=False, initial="preview")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, lambda: app.screen.preview is not None)
            return {row.float.id: row.verdict for row in app.screen.preview.rows}

    assert run(tui_verdicts()) == capped


def test_a_bad_knob_in_the_environment_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_MAX_ACH_ATTEMPTS", "three")
    result = cli("preview")
    assert result.exit_code == 2 and result.stderr.startswith("error: FLOATCTL_MAX_ACH_ATTEMPTS='three'")
    assert "Traceback" not in result.output
