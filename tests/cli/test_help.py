"""Help and usage, walked over the whole command tree: every group lists whole sentences at 80 columns,
a bare group shows its help with exit 0 (as gh and git do), every number option is checked in our
own words (finite, within its bounds), and the README's personas are the ones `floatctl -h` lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from floatctl import help
from floatctl.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"


def _tree():
    def walk(command, path):
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(typer.main.get_command(app), []))


GROUPS = [path for path, command in _tree() if hasattr(command, "commands")]
COMMANDS = [path for path, command in _tree() if not hasattr(command, "commands")]


def _numbers(kind: type):
    """(command path, option name, its minimum, its maximum) for every `kind` option of the tree."""
    for path, command in _tree():
        for param in command.params:
            descriptor = getattr(param, "type_descriptor", None)
            if descriptor is None or descriptor.annotation is not kind or getattr(param, "count", False):
                continue
            if param.param_type_name == "option":
                info = descriptor.parameter_info
                yield path, max(param.opts, key=len), info.min, info.max


def test_the_tree_has_the_groups_the_issue_names():
    names = {" ".join(path) for path in GROUPS}
    assert {"locks", "sandbox", "sandbox faults", "run", "launch", "recover", "watch", "schedule"} <= names
    assert "calendar" in names and "" in names


@pytest.mark.parametrize("path", GROUPS, ids=lambda p: " ".join(p) or "floatctl")
def test_every_group_lists_whole_sentences_at_80_columns(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "80")
    result = cli(*path, "--help")
    assert result.exit_code == 0
    body = [line for line in result.stdout.splitlines() if not line.startswith(("Usage:", "       "))]
    assert all(len(line) <= 80 for line in body), result.stdout
    assert "..." not in "\n".join(body), result.stdout  # click cuts a short help with '...'
    group = dict((tuple(p), c) for p, c in _tree())[tuple(path)]
    words = " ".join(result.stdout.split())
    for name, command in group.commands.items():
        sentence = " ".join(command.get_short_help_str(300).split())
        assert sentence in words, (name, sentence, result.stdout)  # wrapped, never cut


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_no_env_var_name_is_cut_at_80_columns(cli, monkeypatch, path):
    monkeypatch.setenv("COLUMNS", "80")
    text = cli(*path, "--help").stdout
    command = dict((tuple(p), c) for p, c in _tree())[tuple(path)]
    for param in command.params:
        for var in [param.envvar] if isinstance(param.envvar, str) else param.envvar or []:
            assert var in text, (path, var, text)
    for var in re.findall(r"\bFLOATCTL_[A-Z_]*", text):  # named in help texts too: whole names only
        assert not var.endswith("_"), (path, var)
    assert "..." not in text.split("\n", 2)[-1] or "[ARGS]..." in text, text


@pytest.mark.parametrize("path", GROUPS, ids=lambda p: " ".join(p) or "floatctl")
def test_a_bare_group_shows_its_help_and_exits_0(cli, path):
    result = cli(*path)
    assert result.exit_code == 0 and result.stdout.startswith("Usage: ") and "Options:" in result.stdout
    assert result.stderr == ""


@pytest.mark.parametrize(("path", "option", "low", "high"), list(_numbers(float)), ids=str)
@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400"])
def test_every_float_option_must_be_finite(cli, path, option, low, high, value):
    result = cli(*path, option, value)
    assert result.exit_code == 2 and option in result.stderr, result.stderr
    assert "not a finite number" in result.stderr and "Traceback" not in result.stderr


BOUNDED = [
    (path, option, low, high) for path, option, low, high in _numbers(int) if (low, high) != (None, None)
]


@pytest.mark.parametrize(("path", "option", "low", "high"), BOUNDED, ids=str)
def test_number_bounds_are_in_our_words(cli, path, option, low, high):
    outside = str(low - 1) if low is not None else str(high + 1)
    result = cli(*path, option, outside)
    assert result.exit_code == 2 and option in result.stderr, result.stderr
    assert "Input should" not in result.stderr and f"not {outside}" in result.stderr
    assert re.search(r"give a number (from|of at least|of at most) ", result.stderr), result.stderr
    words = cli(*path, option, "ten")
    assert words.exit_code == 2 and "'ten' is not a whole number" in words.stderr


def test_the_readme_personas_are_the_help_personas():
    bullets = {
        "the scheduled container": "The scheduled container",
        "the on-call engineer": "On call",
        "finance": "Finance",
    }
    text = README.read_text()
    for lead, persona in bullets.items():
        bullet = re.search(rf"^- \*\*{lead}\*\*:(.*?)(?=^- |^$)", text, re.M | re.S)
        assert bullet, lead
        quoted = re.findall(r"`([^`]+)`", bullet[1])
        named = {q.split()[1] if q.startswith("floatctl ") else q.split()[0] for q in quoted}
        named = {n for n in named if n in {c for cs in help.PERSONAS.values() for c in cs}}
        assert named and named <= set(help.PERSONAS[persona]), (lead, named)
