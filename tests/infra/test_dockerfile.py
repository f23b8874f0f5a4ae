"""The Dockerfile's shape beyond hadolint: two stages, nonroot, exec-form entrypoint, build facts."""

from __future__ import annotations

import json
import re

import pytest

from tests.infra.support import REPO


@pytest.fixture(scope="module")
def stages() -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined, comments dropped), one list per stage."""
    text = re.sub(r"\\\n", " ", (REPO / "Dockerfile").read_text())
    instructions = [
        line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    result: list[list[str]] = []
    for instruction in instructions:
        if instruction.upper().startswith("FROM "):
            result.append([])
        if result:
            result[-1].append(instruction)
    return result


def _named(stage: list[str], keyword: str) -> list[str]:
    return [i for i in stage if i.split()[0].upper() == keyword]


def test_two_stages_on_the_same_python(stages):
    builder, runtime = stages
    assert builder[0].split()[1:] == ["${PYTHON_IMAGE}", "AS", "builder"]
    assert runtime[0].split()[1] == "${PYTHON_IMAGE}"
    from_runtime = [i for i in runtime if i.startswith("COPY")]
    assert from_runtime == ["COPY --from=builder /opt/floatctl /opt/floatctl"], "only the environment crosses"


def test_runtime_runs_as_a_numeric_nonroot_user(stages):
    runtime = stages[-1]
    (user,) = _named(runtime, "USER")
    uid = user.split()[1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0


# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html (stopTimeout)
# "Time duration (in seconds) to wait before the container is forcefully killed if it doesn't exit
# normally on its own." ... "The max stop timeout value is 120 seconds." The graceful signal must reach
# floatctl itself, so PID 1 is floatctl (exec form); make container-smoke checks PID 1 in the real image.
def test_exec_form_entrypoint_and_default_command(stages):
    runtime = stages[-1]
    (entrypoint,) = _named(runtime, "ENTRYPOINT")
    (cmd,) = _named(runtime, "CMD")
    # JSON (exec) form: floatctl is PID 1 and gets SIGTERM itself, not a /bin/sh -c wrapper.
    assert json.loads(entrypoint.split(None, 1)[1]) == ["floatctl"]
    assert json.loads(cmd.split(None, 1)[1]) == ["run", "day-before-ach"]


def test_build_args_become_what_floatctl_version_prints(stages):
    runtime = " ".join(stages[-1])
    for name in ("GIT_VERSION", "GIT_COMMIT", "GIT_COMMIT_DATE", "GIT_COMMIT_TIMESTAMP"):
        assert f"ARG {name}" in runtime
        assert f"{name}=${{{name}}}" in runtime, f"ENV {name} from its build arg"


def test_no_caches_or_installers_in_the_image(stages):
    builder, runtime = stages
    assert "PIP_NO_CACHE_DIR=1" in " ".join(builder)
    assert "pip uninstall --yes pip setuptools" in " ".join(builder)  # the venv cannot install anything
    assert not [i for i in runtime if "apt-get install" in i or "pip install" in i]


def test_dockerignore_sends_only_what_the_builder_copies(stages):
    lines = [ln.strip() for ln in (REPO / ".dockerignore").read_text().splitlines()]
    rules = [ln for ln in lines if ln and not ln.startswith("#")]
    assert rules[0] == "*", "an allow-list"
    allowed = {r[1:].rstrip("/") for r in rules if r.startswith("!")}
    copied = set()
    for instruction in _named(stages[0], "COPY"):
        copied.update(instruction.split()[1:-1])
    assert copied == allowed
