"""The screens reach the app only through floatctl/tui/ports.py: no screen or widget imports app.py (not
even under TYPE_CHECKING, which import-linter is told to skip), and FloatctlApp provides the Protocol."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import floatctl.tui

TUI = Path(floatctl.tui.__file__).parent


def _imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
    return found


def test_no_screen_or_widget_imports_the_app_module():
    modules = sorted([*(TUI / "screens").rglob("*.py"), *(TUI / "widgets").rglob("*.py")])
    assert len(modules) > 10  # the walk found the screens and widgets
    offenders = [str(p.relative_to(TUI)) for p in modules if "floatctl.tui.app" in _imported_modules(p)]
    assert offenders == []


def test_the_app_provides_what_the_screens_need(tmp_path):
    from floatctl.tui.app import FloatctlApp
    from floatctl.tui.ports import OperatorApp

    context = SimpleNamespace(env="prod", runtime=lambda: "the runtime")
    app = FloatctlApp(context, writable=False, export_dir=tmp_path)
    assert isinstance(app, OperatorApp)
    assert (app.env, app.writable, app.export_dir, app.runtime()) == ("prod", False, tmp_path, "the runtime")
