"""`floatctl preview --save` then `floatctl diff`: what changed between sign-off and the run."""

from __future__ import annotations

import copy
import json

import psycopg

from tests import scenarios
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()


def test_diff_shows_same_changed_new_and_missing(sandbox, load, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOATCTL_PREVIEW_DIR", str(tmp_path))
    document = scenarios.mixed(6, seed=51)
    load(document)
    saved = cli("preview", "--date", DATE, "--save")
    assert saved.exit_code == 0 and "saved" in saved.stderr
    files = list(tmp_path.glob(f"sandbox-{DATE}-*.json"))
    assert len(files) == 1
    no_card = document["floats"][1]  # SUBMIT_ACH in the preview
    gone = document["floats"][2]
    with psycopg.connect(sandbox.dsn("services")) as services:  # a card appears after sign-off
        services.execute(
            "INSERT INTO debit_cards VALUES (%s, %s, '7777', true, 'ACTIVE', 12, 2031)",
            (f"late-{no_card['user_id']}", no_card["user_id"]),
        )
    for db in ("main", "replica"):
        with psycopg.connect(sandbox.dsn(db)) as conn:
            conn.execute("DELETE FROM floats WHERE id = %s", (gone["id"],))
            conn.execute(
                "INSERT INTO floats (id, user_id, status, amount_cents, due_date) VALUES "
                "(99001, 99001, 'SCHEDULING', 1234, %s)",
                (RUN_DATE.replace(day=21),),
            )
    run = cli("-o", "json", "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "50")
    run_id = json.loads(run.stdout)["run_id"]

    result = json.loads(cli("-o", "json", "diff", "--run", run_id).stdout)
    by_id = {f["float_id"]: f for f in result["floats"]}
    assert by_id[no_card["id"]]["status"] == "changed"
    assert (by_id[no_card["id"]]["planned"], by_id[no_card["id"]]["actual"]) == (
        "SUBMIT_ACH",
        "SKIP_VALID_CARD",
    )
    assert "••7777" in by_id[no_card["id"]]["reason"]
    assert by_id[gone["id"]]["status"] == "missing"
    assert by_id[99001]["status"] == "new" and by_id[99001]["actual"] == "SUBMITTED"
    assert by_id[document["floats"][0]["id"]]["status"] == "same"
    assert (
        result["totals"]["delta"]["count"]
        == result["totals"]["actual"]["submitted_count"] - result["totals"]["planned"]["submit_count"]
    )

    by_date = cli("-o", "csv", "diff", "--date", DATE)
    assert by_date.exit_code == 0 and by_date.stdout.startswith("float_id,status,planned")
    assert "changed" in cli("diff", "--date", DATE).stdout

    tampered = copy.deepcopy(json.loads(files[0].read_text()))
    tampered["rows"][0]["amount_cents"] += 1
    files[0].write_text(json.dumps(tampered))
    refused = cli("diff", "--run", run_id)
    assert refused.exit_code == 2 and "changed after it was saved" in refused.stderr


def test_diff_errors(sandbox, cli, monkeypatch, tmp_path):
    monkeypatch.setenv("FLOATCTL_PREVIEW_DIR", str(tmp_path))
    assert cli("diff").exit_code == 2
    assert cli("diff", "--run", "nope").exit_code == 1
