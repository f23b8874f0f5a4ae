"""What the delivery tests share: the repository, the linters in .venv-tools, terraform/ parsed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS_BIN = REPO / ".venv-tools" / "bin"
TERRAFORM_DIR = REPO / "terraform"

_LOCAL_REF = re.compile(r"\$\{local\.(\w+)\}")


def tool(name: str) -> Path:
    """A linter binary from .venv-tools; a missing one fails the test (never a skip)."""
    path = TOOLS_BIN / name
    if not path.is_file():
        pytest.fail(
            f"{path} is missing: `make test` builds .venv-tools from tools/requirements-tools.lock",
            pytrace=False,
        )
    return path


@dataclass
class Terraform:
    """terraform/*.tf as python-hcl2 reads them: plain strings, blocks as lists of dicts."""

    files: dict[str, dict[str, Any]]
    locals: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for parsed in self.files.values():
            for block in parsed.get("locals", []):
                self.locals.update(block)

    def blocks(self, kind: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
        """(file, type, name, body) of every `resource` or `data` block."""
        for file, parsed in self.files.items():
            for entry in parsed.get(kind, []):
                for type_, named in entry.items():
                    for name, body in named.items():
                        yield file, type_, name, body

    def resource(self, type_: str, name: str) -> dict[str, Any]:
        return self._one("resource", type_, name)

    def data(self, type_: str, name: str) -> dict[str, Any]:
        return self._one("data", type_, name)

    def resources_of(self, type_: str) -> list[dict[str, Any]]:
        return [body for _, t, _, body in self.blocks("resource") if t == type_]

    def _one(self, kind: str, type_: str, name: str) -> dict[str, Any]:
        for _, t, n, body in self.blocks(kind):
            if (t, n) == (type_, name):
                return body
        raise AssertionError(f"terraform/ has no {kind} {type_}.{name}")

    def resolve(self, value: Any) -> Any:
        """Replace `${local.x}` by the string local x, recursively, so names read as in AWS."""
        if isinstance(value, str):
            previous = None
            while previous != value:
                previous = value
                value = _LOCAL_REF.sub(
                    lambda m: self.locals[m[1]] if isinstance(self.locals.get(m[1]), str) else m[0],
                    value,
                )
            return value
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        return value

    def statements(self, policy_document: str) -> list[dict[str, Any]]:
        """The statements of a `data "aws_iam_policy_document"`, locals resolved."""
        return self.resolve(self.data("aws_iam_policy_document", policy_document)["statement"])

    def by_sid(self, policy_document: str) -> dict[str, dict[str, Any]]:
        """The statements of a policy document by their sid."""
        return {s["sid"]: s for s in self.statements(policy_document)}


def single(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The one nested block python-hcl2 returns as a one-item list."""
    assert len(blocks) == 1, blocks
    return blocks[0]


def load_terraform() -> Terraform:
    """Every terraform/*.tf file, parsed with python-hcl2 into plain strings."""
    import hcl2
    from hcl2 import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, explicit_blocks=False, with_comments=False)
    files = {}
    for path in sorted(TERRAFORM_DIR.glob("*.tf")):
        with path.open() as f:
            files[path.name] = hcl2.load(f, serialization_options=options)
    assert files, f"no .tf file in {TERRAFORM_DIR}"
    return Terraform(files)


def arn_prefix(service: str) -> str:
    """`arn:<partition>:<service>:<region>:<account>` as terraform/ writes it, locals resolved."""
    return (
        f"arn:${{data.aws_partition.current.partition}}:{service}:"
        "${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}"
    )
