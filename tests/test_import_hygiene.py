"""The start-up path stays light and the dependency arrow points one way (floatctl -> jobs)."""

import json
import subprocess
import sys

from tests.processes import FLOATCTL

HEAVY = ("boto3", "botocore", "psycopg", "ddtrace", "textual", "moto", "pgserver", "tabulate")
UI = ("typer", "rich", "textual", "tabulate", "floatctl", "click", "floatctl_sandbox")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_cli_import_loads_no_heavy_module():
    loaded = _modules_after("import floatctl.cli")
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def _every_module(package: str) -> str:
    """A statement importing every module of `package` (walked, not listed: a new module is covered)."""
    return (
        f"import importlib, pkgutil, {package}; "
        f"[importlib.import_module(m.name) for m in pkgutil.walk_packages({package}.__path__, '{package}.')]"
    )


def test_no_jobs_module_imports_a_face_or_the_sandbox():
    loaded = _modules_after(_every_module("jobs"))
    assert "jobs" in loaded and not loaded & set(UI), loaded & set(UI)


def test_no_sandbox_module_imports_the_cli():
    loaded = _modules_after(_every_module("floatctl_sandbox"))
    assert "floatctl_sandbox" in loaded and "floatctl" not in loaded


def test_help_starts_nothing(tmp_path):
    env = {"FLOATCTL_SANDBOX_DIR": str(tmp_path / "sb"), "PATH": "/usr/bin:/bin"}
    for args in (["--help"], ["sandbox", "--help"], ["sandbox", "up", "--help"]):
        result = subprocess.run([*FLOATCTL, *args], capture_output=True, text=True, env=env)
        assert result.returncode == 0, result.stderr
        assert "Usage" in result.stdout
    assert not (tmp_path / "sb").exists()


def test_a_command_help_does_not_load_pydantic():
    """typer builds a pydantic adapter per processed option unless floatctl.plain_coercion applies."""
    run_help = "from floatctl.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    for argv in (["status", "--help"], ["-o", "json", "-v", "locks", "list", "--help"], ["--help"]):
        code = f"import sys, json; sys.argv = {['floatctl', *argv]!r}\n{run_help}\nprint(json.dumps(list(sys.modules)))"
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        loaded = {name.split(".")[0] for name in json.loads(out.stdout.strip().splitlines()[-1])}
        assert "Usage" in out.stdout and "pydantic" not in loaded, argv
