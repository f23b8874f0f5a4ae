"""`floatctl locks` against the sandbox's DynamoDB: list, show, release with rvn, --force and the audit."""

from __future__ import annotations

import json
import socket

from tests import scenarios

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


def _seed(load):
    load(scenarios.mixed(2) | {"locks": [LIVE, ORPHAN, EXPIRED]})


def test_list_shows_each_state_and_stale_filters(sandbox, load, cli):
    _seed(load)
    listed = json.loads(cli("-o", "json", "locks", "list").stdout)["locks"]
    states = {lk["lock_key"]: lk["state"] for lk in listed}
    assert states == {"float#101": "live", "float#102": "orphaned", "day-before-ach": "expired"}
    stale = json.loads(cli("-o", "json", "locks", "list", "--stale").stdout)["locks"]
    assert {lk["lock_key"] for lk in stale} == {"float#102", "day-before-ach"}
    only_job = json.loads(cli("-o", "json", "locks", "list", "-n", "job").stdout)["locks"]
    assert [lk["lock_key"] for lk in only_job] == ["day-before-ach"]
    assert cli("locks", "list").exit_code == 0


def test_show_prints_the_rvn(sandbox, load, cli):
    _seed(load)
    shown = json.loads(cli("-o", "json", "locks", "show", "101").stdout)
    assert shown["rvn"] == "rvn-live" and shown["owner_state"] == "unknown" and shown["state"] == "live"
    missing = cli("locks", "show", "float#999")
    assert missing.exit_code == 1 and "no lock float/float#999" in missing.stderr
    assert cli("locks", "show", "nonsense").exit_code == 2


def test_release_rules_and_audit(sandbox, load, cli):
    _seed(load)
    live = cli("locks", "release", "float#101", "--rvn", "rvn-live", "--reason", "stuck", "--yes")
    assert live.exit_code == 3 and "is live" in live.stderr
    wrong = cli("locks", "release", "float#102", "--rvn", "not-it", "--reason", "stuck", "--yes")
    assert wrong.exit_code == 3 and "does not match" in wrong.stderr and "rvn-dead" not in wrong.stderr
    assert json.loads(cli("-o", "json", "locks", "show", "float#102").stdout)["rvn"] == "rvn-dead"
    dry = cli("locks", "release", "float#102", "--rvn", "rvn-dead", "--reason", "owner died", "--dry-run")
    assert dry.exit_code == 0 and "nothing changed" in dry.stderr
    no_tty = cli("locks", "release", "float#102", "--rvn", "rvn-dead", "--reason", "owner died")
    assert no_tty.exit_code == 4 and "--yes" in no_tty.stderr
    orphan = cli("locks", "release", "float#102", "--rvn", "rvn-dead", "--reason", "owner died", "--yes")
    assert orphan.exit_code == 0, orphan.stderr
    forced = cli(
        "locks",
        "release",
        "float#101",
        "--rvn",
        "rvn-live",
        "--reason",
        "operator checked",
        "--force",
        "--yes",
    )
    assert forced.exit_code == 0
    expired = cli("locks", "release", "day-before-ach", "--rvn", "rvn-old", "--reason", "left over", "--yes")
    assert expired.exit_code == 0
    assert json.loads(cli("-o", "json", "locks", "list").stdout)["locks"] == []
    audit = json.loads(cli("-o", "json", "history", "--audit").stdout)["audit"]
    released = {a["target"]: a for a in audit if a["action"] == "lock.release"}
    assert set(released) >= {"float/float#102", "float/float#101", "job/day-before-ach"}
    assert released["float/float#102"]["reason"] == "owner died"
    assert released["float/float#102"]["before"]["state"] == "orphaned"
    assert released["float/float#101"]["actor"].startswith("arn:aws")
    gone = cli("locks", "release", "float#102", "--rvn", "rvn-dead", "--reason", "again", "--yes")
    assert gone.exit_code == 1 and "nothing to release" in gone.stderr
