"""Every table-printing command on a real terminal of 80 and 120 columns: each id, key, amount and run
id of its JSON output appears whole on the screen, or its column is named in the stderr note that
says which columns were left out. Nothing is cut with `…` or folded into pieces.

One night is built once for the module: a finished run on Thursday, a saved preview and a run killed
after Payments took a payment on Friday (so reconcile and diff have findings), a watch page, a lock
release in the audit ledger, and a lock whose key, owner and task ARN are long.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import struct
import subprocess
import termios
from datetime import date

import pytest

from floatctl.output import dollars, moment
from tests import scenarios
from tests.processes import FLOATCTL, run_floatctl

DATE = scenarios.RUN_DATE.isoformat()  # Friday 2026-11-20
THURSDAY = date(2026, 11, 19)
LONG_KEY_LOCK = {
    "namespace": "float",
    "lock_key": "float#123456789012",
    "owner": "run-20261120T190400-7f3a9c",
    "owner_task": "arn:aws:ecs:us-east-1:123456789012:task/sandbox-floats/0123456789abcdef0",
    "lease_expires_in_s": -8,
    "rvn": "rvn-long",
}
RELEASED_LOCK = {
    "namespace": "float",
    "lock_key": "float#42",
    "owner": "run-old",
    "owner_task": "other-host:2",
    "lease_expires_in_s": 600,
    "rvn": "rvn-42",
}


def in_pty(columns: int, *args: str, env: dict | None = None) -> tuple[int, str]:
    """Run floatctl on a real terminal `columns` wide (stdout and stderr); the text without ANSI codes."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    child_env = {**os.environ, **(env or {}), "COLUMNS": str(columns), "LINES": "60"}
    proc = subprocess.Popen(
        [*FLOATCTL, *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=child_env,
        close_fds=True,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    code = proc.wait(timeout=120)
    text = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", b"".join(chunks).decode(errors="replace"))
    return code, text.replace("\r", "")


@pytest.fixture(scope="module")
def night(sandbox, app_context, tmp_path_factory):
    """The module's data (see the docstring); returns the environment every command runs with."""
    from floatctl_sandbox import actions
    from floatctl_sandbox.scenario import parse_scenario

    env = {"FLOATCTL_PREVIEW_DIR": str(tmp_path_factory.mktemp("previews"))}
    document = scenarios.mixed(6, seed=51)
    document["floats"][0]["amount_cents"] = 123_456_789  # $1,234,567.89
    before = scenarios.mixed(4, seed=52, run_date=THURSDAY, start_id=500)
    for row in before["floats"] + before["cards"]:
        row["user_id"] += 500
    for card in before["cards"]:
        card["card_id"] += "-thu"
    document["floats"] += before["floats"]
    document["cards"] += before["cards"]
    document["locks"] = [LONG_KEY_LOCK, RELEASED_LOCK]
    actions.stop_tasks(app_context)
    actions.faults_request(sandbox, "DELETE")
    actions.load(app_context, sandbox, parse_scenario(document))

    def step(*args: str, code: int = 0, **extra: str) -> None:
        result = run_floatctl(*args, env={**env, **extra}, timeout=180)
        assert result.returncode == code, (args, result.stderr[-2000:])

    step("run", "day-before-ach", "--date", THURSDAY.isoformat(), "--payment-submit-rate", "50", "-o", "json")
    step("preview", "--date", DATE, "--save", "-o", "json")
    # SIGKILL once Payments took the first order: its answer never reached collection-history.
    step(
        "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "50", "-o", "json",
        code=-9, FLOATCTL_CRASH_AT="after_submit:1",
    )  # fmt: skip
    step("watch", "day-before-ach", "--date", DATE, code=1, FLOATCTL_NOW="2026-11-20T19:20:00-05:00")
    step("locks", "release", "float#42", "--rvn", "rvn-42", "--reason", "stuck", "--force", "-y")
    return env


def _preview(doc: dict) -> list[tuple[str, str]]:
    values = []
    for row in doc["rows"]:
        values += [("float id", str(row["float_id"])), ("user id", str(row["user_id"]))]
        values += [("amount", dollars(row["amount_cents"])), ("verdict", row["verdict"])]
    return values + [("amount", dollars(t["amount_cents"])) for t in doc["totals"].values()]


def _history(doc: dict) -> list[tuple[str, str]]:
    values = [("run", r["run_id"]) for r in doc["runs"]]
    values += [("submitted", dollars(r["submitted_amount_cents"])) for r in doc["runs"]]
    for event in doc["events"]:
        values += [("float", str(event["float_id"])), ("run", event["run_id"]), ("outcome", event["outcome"])]
        values += [("payment", event["payment_id"])] if event.get("payment_id") else []
    values += [("target", a["target"]) for a in doc["audit"]] + [("actor", a["actor"]) for a in doc["audit"]]
    return values


def _nights(doc: dict) -> list[tuple[str, str]]:
    values = []
    for night in doc["runs"]:
        values += [("date", night["run_date"]), ("amount", dollars(night["submitted_amount_cents"]))]
        values += [("run", night["run_id"])] if night["run_id"] else []
        values += [("counts", " ".join(f"{k}={v}" for k, v in sorted(night["counts"].items())))]
    return values


def _diff(doc: dict) -> list[tuple[str, str]]:
    values = [("run", doc["run_id"])]
    for row in (f for f in doc["floats"] if f["status"] != "same"):
        values += [("float id", str(row["float_id"])), ("planned", row["planned"]), ("reason", row["reason"])]
        values += [("planned amount", dollars(row["planned_amount_cents"]))]
        values += [("actual amount", dollars(row["actual_amount_cents"]))]
    return values


def _reconcile(doc: dict) -> list[tuple[str, str]]:
    values = []
    for finding in doc["findings"]:
        values += [("kind", finding["kind"]), ("float id", str(finding["float_id"]))]
        values += [("idempotency key", finding["idempotency_key"]), ("detail", finding["detail"])]
        values += [("payment id", finding["payment_id"])] if finding["payment_id"] else []
        values += [("amount", dollars(finding["amount_cents"]))] if finding["amount_cents"] else []
    return values


def _payments(doc: list) -> list[tuple[str, str]]:
    values = []
    for payment in doc:
        values += [("payment id", payment["payment_id"]), ("float id", str(payment["float_id"]))]
        values += [("user id", str(payment["user_id"])), ("amount", dollars(payment["amount_cents"]))]
        values += [("created at", moment(payment["created_at"]))]
    return values


def _locks(doc: dict) -> list[tuple[str, str]]:
    names = (("key", "lock_key"), ("owner", "owner"), ("owner task", "owner_task"))
    return [(header, lock[name]) for lock in doc["locks"] for header, name in names]


def _calendar(doc: list) -> list[tuple[str, str]]:
    values = [("fire", moment(r["fire_at"]["new_york"])) for r in doc]
    return values + [("due window", f"{r['due_window']['start']}..{r['due_window']['end']}") for r in doc]


# Each command that prints a table (or labelled fields) on a terminal, and the values of its JSON
# output that people need whole: (column header, text as the table prints it).
COMMANDS = {
    "locks list": (["locks", "list"], _locks),
    "locks show": (
        ["locks", "show", "123456789012"],
        lambda doc: [(name, doc[name]) for name in ("lock_key", "owner", "owner_task", "rvn")],
    ),
    "preview": (["preview", "--date", DATE], _preview),
    "run --dry-run": (
        ["run", "day-before-ach", "--dry-run", "--date", DATE],
        lambda doc: [("amount", dollars(t["amount_cents"])) for t in doc["totals"].values()],
    ),
    "history --date": (["history", "--date", DATE], _history),
    "history --audit": (["history", "--audit"], _history),
    "history --runs": (["history", "--runs", "--date", DATE, "--last", "3"], _nights),
    "diff": (["diff", "--date", DATE], _diff),
    "reconcile": (["reconcile", "--date", DATE], _reconcile),
    "sandbox payments": (["sandbox", "payments"], _payments),
    "sandbox alerts": (["sandbox", "alerts"], lambda doc: [("sent", moment(a["sent_at"])) for a in doc]),
    "sandbox status": (
        ["sandbox", "status"],
        lambda doc: [(name, doc[name]) for name in ("dir", "postgres_uri", "aws_endpoint", "services_url")],
    ),
    "calendar next": (["calendar", "next", "--from", DATE, "-n", "8"], _calendar),
    "calendar explain": (
        ["calendar", "explain", DATE],
        lambda doc: [
            ("fire", moment(doc["fire_at"]["new_york"])),
            ("cutoff", moment(doc["cutoff_at"]["utc"])),
        ],
    ),
    "status": (["status", "--date", DATE], lambda doc: [("run", doc["run"]["run_id"])]),
    "recover": (["recover", "day-before-ach", "--date", DATE], lambda doc: [("run", doc["run"]["run_id"])]),
    "launch --dry-run": (
        ["launch", "day-before-ach", "--dry-run", "--date", DATE],
        lambda doc: [("request", doc["request"]["clientToken"]), ("request", doc["request"]["cluster"])],
    ),
    "preflight": (["preflight"], lambda doc: [("result", "ok")]),
}


TEXT = {"reason", "detail", "counts"}  # text columns: checked word by word


def _left_out(screen: str) -> set[str]:
    """The headers a `(… not shown at N columns …)` note names."""
    notes = re.findall(r"\(([^()]*) not shown at \d+ columns", screen)
    return {name.strip() for note in notes for name in note.split(",")}


_DOCUMENTS: dict[str, dict] = {}


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_tables_keep_every_id_key_and_amount_whole(night, cli, monkeypatch, name, columns):
    args, wanted = COMMANDS[name]
    for var, value in night.items():
        monkeypatch.setenv(var, value)
    if name not in _DOCUMENTS:  # in-process: the same command with -o json
        _DOCUMENTS[name] = json.loads(cli(*args, "-o", "json").stdout)
    values = wanted(_DOCUMENTS[name])
    assert values, f"{name}: the night gave this command nothing to show"
    code, screen = in_pty(columns, *args, env=night)
    assert "Traceback" not in screen and "…" not in screen, screen
    left_out = _left_out(screen)
    for header, value in values:
        if header in left_out:
            continue
        if header in TEXT:  # prose wraps at words: every word is there, none cut
            missing = [word for word in value.split() if word not in screen]
            assert not missing, f"{name} at {columns}: {header} lost {missing}\n{screen}"
        else:
            assert value in screen, f"{name} at {columns}: {header} {value!r} cut\n{screen}"
    if name in ("reconcile", "diff", "history --runs"):  # every column at 120, whatever 80 leaves out
        shown = [value for header, value in values if header not in left_out]
        assert columns == 80 or len(shown) == len(values), screen


def test_the_layout_keeps_whole_columns_whole_and_falls_back_to_records():
    """The mechanism itself: whole columns at their longest value, text columns share the rest, drops
    in the given order, and no table at all (None) when even the least widths cannot fit."""
    from floatctl.output import layout

    columns = ("kind", "key", "payment_id", "amount", "detail")
    rows = [("payment-not-recorded", "day-before-ach:7:2026-11-23", "pay_0123456789", "$1,234.56", "x " * 40)]
    widths, dropped = layout(columns, rows, 120)
    assert [widths[i] for i in range(4)] == [20, 27, 14, 9] and dropped == []
    assert sum(widths.values()) + 2 * 4 == 120  # the text column takes the rest
    assert layout(columns, rows, 80) is None  # 20+27+14+9+12 and the gaps do not fit: records instead
    widths, dropped = layout(columns, rows, 80, drop_first=("kind",))
    assert dropped == ["kind"] and widths[1] == 27 and widths[4] >= 12
