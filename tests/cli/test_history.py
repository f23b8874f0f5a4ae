"""`floatctl history` by float, user, run and date; errors as one line."""

from __future__ import annotations

import json

from tests import scenarios
from tests.scenarios import RUN_DATE


def test_history_views_after_a_run(sandbox, load, cli):
    document = scenarios.mixed(5, seed=31)
    load(document)
    run = cli(
        "-o", "json", "run", "day-before-ach", "--date", RUN_DATE.isoformat(), "--payment-submit-rate", "50"
    )
    assert run.exit_code == 0, run.stderr
    run_id = json.loads(run.stdout)["run_id"]
    first = document["floats"][1]  # no card: submitted

    by_float = json.loads(cli("-o", "json", "history", "--float", str(first["id"])).stdout)["events"]
    assert [e["outcome"] for e in by_float] == ["SUBMITTED", "ACH_PENDING"]
    assert by_float[0]["payment_id"].startswith("pay_")

    by_user = json.loads(cli("-o", "json", "history", "--user", str(first["user_id"])).stdout)["events"]
    assert {e["float_id"] for e in by_user} == {first["id"]}

    by_run = json.loads(cli("-o", "json", "history", "--run", run_id).stdout)
    assert by_run["runs"][0]["status"] == "SUCCEEDED" and len({e["float_id"] for e in by_run["events"]}) == 5

    by_date = json.loads(cli("-o", "json", "history", "--date", RUN_DATE.isoformat()).stdout)
    assert [r["run_id"] for r in by_date["runs"]] == [run_id]
    valid = next(e for e in by_date["events"] if e["outcome"] == "SKIP_VALID_CARD")
    assert "••" in valid["reason"] and not any(ch.isdigit() for ch in valid["reason"].split("••")[1][4:8])

    table = cli("history", "--run", run_id)
    assert table.exit_code == 0 and "SUBMITTED" in table.stdout


def test_history_errors(sandbox, cli):
    assert cli("history").exit_code == 2
    assert cli("history", "--float", "1", "--user", "2").exit_code == 2
    unknown = cli("history", "--run", "nope")
    assert unknown.exit_code == 1 and unknown.stderr.startswith("error: no run 'nope'")
    assert cli("history", "--float", "x").exit_code == 2


def test_a_missing_table_is_one_line(sandbox, cli, monkeypatch):
    monkeypatch.setenv("FLOATCTL_HISTORY_TABLE", "no-such-table")
    result = cli("history", "--float", "1")
    assert result.exit_code == 1 and "no-such-table" in result.stderr and "Traceback" not in result.output


def test_an_unreachable_aws_endpoint_is_one_line(cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("FLOATCTL_HTTP_ATTEMPTS", "1")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = cli("locks", "list")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) <= 2
