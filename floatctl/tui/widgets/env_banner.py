"""The environment banner at the top of every screen: which environment, and whether writes are allowed."""

from __future__ import annotations

from typing import cast

from textual.widgets import Static

from floatctl.tui.ports import OperatorApp


class EnvBanner(Static):
    """`SANDBOX · writes allowed │ Locks`; production gets its own colour (see app.tcss)."""

    def __init__(self, screen_title: str) -> None:
        super().__init__(id="env-banner")
        self.screen_title = screen_title

    def on_mount(self) -> None:
        app = cast(OperatorApp, self.app)
        env, writable = app.env, app.writable
        self.set_class(env == "prod", "-prod")
        self.set_class(not writable, "-read-only")
        name = "PRODUCTION" if env == "prod" else env.upper()
        mode = "writes allowed" if writable else "READ-ONLY"
        self.update(f" floatctl │ {name} │ {mode} │ {self.screen_title}")
