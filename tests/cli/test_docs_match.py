"""The docs say what the code does: every environment variable floatctl reads is documented, and the
stuck-lock runbook's examples have the fields and wording the commands print today."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from tests import scenarios

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
READ = re.compile(r"""(?:environ(?:\.get)?\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]+)["']""")


def test_every_environment_variable_read_is_documented():
    from jobs.settings import Settings

    read = {
        m
        for path in [*ROOT.glob("jobs/**/*.py"), *ROOT.glob("floatctl/**/*.py")]
        for m in READ.findall(path.read_text())
    }
    read |= {f.metadata["var"] for f in fields(Settings) if f.metadata.get("var")}
    documented = (DOCS / "configuration.md").read_text() + (DOCS / "observability.md").read_text()
    missing = sorted(var for var in read if not re.search(rf"`{var}[`=]", documented))
    assert "DD_SITE" in read and not missing, missing


def test_the_stuck_lock_runbook_shows_what_locks_show_prints(sandbox, load, cli):
    runbook = (DOCS / "runbooks" / "stuck-lock.md").read_text()
    lock = {"namespace": "job", "lock_key": "day-before-ach", "owner": "run-1", "owner_task": "vm:999999"}
    load(scenarios.mixed(1) | {"locks": [lock | {"lease_expires_in_s": 45, "rvn": "rvn-1"}]})
    printed = cli("locks", "show", "day-before-ach", "-o", "plain").stdout.splitlines()
    names = [line.split()[0] for line in printed[2:] if line.strip()]  # under the title and the header
    shown = re.search(r"locks show day-before-ach\n(.*?)```", runbook, re.S)[1].splitlines()
    assert [line.split()[0] for line in shown[3:] if line.strip()] == names
    assert "age_s " not in shown and "lease_left_s " not in runbook.split("```")[3]
    assert "*** PRODUCTION (env=prod) ***" in shown[0]
    for example in re.findall(r"^\$ floatctl --env prod .*\n(.*)", runbook, re.M):  # every prod example
        assert example == "*** PRODUCTION (env=prod) ***", example
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", runbook)  # no UTC ISO times for people
    assert not re.search(r"\b\d+s\b", runbook)  # durations in words: `43 s`, `1 min 18 s`
