"""Help and usage, walked over the whole command tree: every group lists whole sentences at 80 columns,
a bare group shows its help with exit 0 (as gh and git do), every number option is checked in our
own words (finite, within its bounds), and the README's personas are the ones `floatctl -h` lists."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from floatctl import help
from floatctl.cli import whole_tree

README = Path(__file__).resolve().parents[2] / "README.md"


def _tree():
    return [(list(path), command) for path, command in whole_tree()]


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
    for name in group.list_commands(None):
        sentence = " ".join(group.get_command(None, name).get_short_help_str(300).split())
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


@pytest.mark.parametrize(("argv", "built"), [(["--help"], []), (["status", "--help"], ["status"])])
def test_help_builds_only_the_command_asked_for(monkeypatch, capsys, argv, built):
    """typer reads every parameter of a command it builds: `floatctl --help` must build none of them."""
    from floatctl import cli

    registered = []
    real = cli.Entry.register
    monkeypatch.setattr(
        cli.Entry, "register", lambda self, holder, name: (registered.append(name), real(self, holder, name))
    )
    monkeypatch.setattr("sys.argv", ["floatctl", *argv])
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 0
    assert registered == built
    assert "status" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "imported"), [(["--help"], set()), (["status", "--help"], {"status", "options"})]
)
def test_help_imports_only_the_command_modules_it_builds(argv, imported):
    """A command's module loads when the command is built: `floatctl --help` reads the summaries alone."""
    code = (
        "import sys, json\n"
        "from floatctl import cli\n"
        f"sys.argv = ['floatctl', *{argv!r}]\n"
        "try:\n    cli.main()\n"
        "except SystemExit:\n"
        "    print(json.dumps(sorted(m for m in sys.modules if m.startswith('floatctl.commands.'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {name.removeprefix("floatctl.commands.") for name in json.loads(done.stdout.splitlines()[-1])}
    assert loaded - {"completion"} == imported  # completion: the one name main() reads (its env var)
