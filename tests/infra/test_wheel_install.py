"""The builder stage replayed without docker: build the wheel, install it as the Dockerfile does into a
fresh virtual environment, and run floatctl from there."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.infra.support import REPO

# The Dockerfile's install step, flag for flag: runtime dependencies only, each held to its lock pin.
INSTALL_FLAGS = ["--only-binary=:all:", "--constraint", "requirements.lock"]
CONTEXT = ["pyproject.toml", "requirements.lock", "README.md", "jobs", "floatctl"]
BUILD_FACTS = {
    "GIT_VERSION": "v9.8.7",
    "GIT_COMMIT": "0123456789abcdef0123456789abcdef01234567",
    "GIT_COMMIT_DATE": "2026-11-20T19:00:00-05:00",
    "GIT_COMMIT_TIMESTAMP": "1795737600",
}

_LIST_DISTRIBUTIONS = (
    "import importlib.metadata as m, json;"
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)
_IMPORT_EVERY_MODULE = """
import importlib, json, pkgutil
import floatctl, jobs
failed = {}
for package in (jobs, floatctl):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if module.name.endswith("__main__"):
            continue  # __main__ would run the CLI
        try:
            importlib.import_module(module.name)
        except Exception as exc:
            failed[module.name] = repr(exc)
print(json.dumps(failed))
"""


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _run(args, cwd: Path, env: dict[str, str] | None = None, timeout: int = 240):
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert result.returncode == 0, (
        f"{' '.join(map(str, args))} exited {result.returncode}:\n{result.stderr[-4000:]}"
    )
    return result


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory) -> Path:
    """A virtual environment made the way the Dockerfile's builder stage makes /opt/floatctl."""
    root = tmp_path_factory.mktemp("image")
    context = root / "src"
    context.mkdir()
    for name in CONTEXT:  # what .dockerignore lets into the build context
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, context / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, context / name)
    env = os.environ | {"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "wheels"), str(context)],
        context,
        env,
    )
    (wheel,) = (root / "wheels").glob("floatctl-*.whl")
    # Even with the sandbox's sources beside the package (a context that let them in), the wheel that
    # the image installs is built without them: packages.find names jobs and floatctl only.
    shutil.copytree(REPO / "sandbox", context / "sandbox", ignore=shutil.ignore_patterns("__pycache__"))
    _run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(root / "wide"), str(context)], context, env
    )
    (wide,) = (root / "wide").glob("floatctl-*.whl")
    with zipfile.ZipFile(wide) as archive:
        sandbox_files = [n for n in archive.namelist() if n.startswith(("floatctl_sandbox", "sandbox/"))]
    assert not sandbox_files, sandbox_files

    venv = root / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], context, env)
    _run([venv / "bin/python", "-m", "pip", "install", "--quiet", *INSTALL_FLAGS, str(wheel)], context, env)
    _run(
        [venv / "bin/python", "-m", "pip", "uninstall", "--quiet", "--yes", "pip", "setuptools"], context, env
    )
    return venv


@pytest.fixture(scope="module")
def installed(runtime_venv) -> dict[str, str]:
    """Normalised distribution name -> version in the runtime environment."""
    out = _run([runtime_venv / "bin/python", "-c", _LIST_DISTRIBUTIONS], runtime_venv).stdout
    return {_norm(name): version for name, version in json.loads(out).items()}


def _lock_pins() -> dict[str, set[str]]:
    pins: dict[str, set[str]] = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==([^\s;]+)", line)
        if match:
            pins.setdefault(_norm(match[1]), set()).add(match[2])
    return pins


def test_the_dockerfile_installs_the_same_way():
    dockerfile = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    (install,) = [ln for ln in dockerfile.splitlines() if "pip install" in ln]
    assert " ".join(INSTALL_FLAGS) in install
    assert "floatctl-*.whl" in install and "[" not in install.split("pip install", 1)[1], "no extras"
    for name in CONTEXT:
        assert re.search(rf"^COPY .*\b{re.escape(name)}\b", dockerfile, re.M), f"the builder copies {name}"


def test_floatctl_version_prints_the_build_args(runtime_venv):
    env = os.environ | BUILD_FACTS
    out = _run([runtime_venv / "bin/floatctl", "--output", "json", "version"], runtime_venv, env).stdout
    assert json.loads(out) == {
        "version": BUILD_FACTS["GIT_VERSION"],
        "commit": BUILD_FACTS["GIT_COMMIT"],
        "commit_date": BUILD_FACTS["GIT_COMMIT_DATE"],
        "commit_timestamp": BUILD_FACTS["GIT_COMMIT_TIMESTAMP"],
    }


def test_the_container_command_answers_help(runtime_venv):
    out = _run([runtime_venv / "bin/floatctl", "run", "day-before-ach", "--help"], runtime_venv).stdout
    assert "--dry-run" in out and "--payment-submit-rate" in out


def test_every_runtime_module_imports_without_the_extras(runtime_venv):
    out = _run([runtime_venv / "bin/python", "-c", _IMPORT_EVERY_MODULE], runtime_venv).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {}


def test_the_image_holds_no_sandbox_code(runtime_venv):
    """No fake Payments service, no local Fargate: floatctl_sandbox does not import in the image."""
    probe = (
        "import importlib.util, json; print(json.dumps(importlib.util.find_spec('floatctl_sandbox') is None))"
    )
    out = _run([runtime_venv / "bin/python", "-c", probe], runtime_venv).stdout
    assert json.loads(out) is True
    dockerignore = (REPO / ".dockerignore").read_text().splitlines()
    assert "*" in dockerignore and "!sandbox/" not in dockerignore


# The image is what https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
# calls the container "image"; with readonlyRootFilesystem ("the container is given read-only access to
# its root file system") nothing can be installed at run time, so the builder must install exactly this.
def test_no_sandbox_or_dev_package_is_installed(installed):
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    extra_names = {
        _norm(re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0]) for specs in extras.values() for spec in specs
    }
    assert {"moto", "pgserver", "pytest"} <= extra_names
    assert not extra_names & installed.keys(), extra_names & installed.keys()
    # Nor what only they pull in, nor the installers.
    assert not {"flask", "werkzeug", "docker", "cfn-lint", "pip", "setuptools"} & installed.keys()


def test_every_installed_package_is_at_its_lock_pin(installed):
    pins = _lock_pins()
    off_lock = {
        name: version
        for name, version in installed.items()
        if name != "floatctl" and version not in pins.get(name, set())
    }
    assert not off_lock, f"installed but not at a requirements.lock pin: {off_lock}"
