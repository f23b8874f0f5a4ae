"""The one object on ctx.obj: settings, output, and clients built on first use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from floatctl.output import Output
from jobs.settings import Settings

if TYPE_CHECKING:
    from floatctl_sandbox.control import Sandbox
    from jobs.adapters.aws import AwsClients


@dataclass
class AppContext:
    """What every command needs; nothing here touches AWS or a database until asked."""

    base_settings: Settings
    output: Output
    _settings: Settings | None = field(default=None, init=False)
    _aws: Any = field(default=None, init=False)
    _sandbox: Any = field(default=None, init=False)
    _runtime: Any = field(default=None, init=False)

    @property
    def env(self) -> str:
        return self.base_settings.env

    def rebind(self, settings: Settings) -> None:
        """Act on other settings (a later `--env`); only before any client was built."""
        self.base_settings = settings
        self._settings = None

    def previews(self) -> Any:
        """Where signed-off previews are kept: the environment's bucket, or FLOATCTL_PREVIEW_DIR's files."""
        return self.runtime().previews()

    def sandbox(self) -> Sandbox:
        """The running sandbox, started on demand (only in the sandbox environment)."""
        if self._sandbox is None:
            import importlib.util

            if importlib.util.find_spec("pgserver") is None or importlib.util.find_spec("moto") is None:
                from jobs.errors import ConfigError

                raise ConfigError(
                    "the sandbox is not installed here (a production image?)",
                    hint="set FLOATCTL_ENV (or --env) to test or prod",
                )
            from floatctl_sandbox.control import ensure_running
            from floatctl_sandbox.state import sandbox_dir

            sandbox, started = ensure_running(sandbox_dir(self.base_settings))
            self._sandbox = sandbox
            if started:
                self.output.info(f"sandbox started in {sandbox.directory}")
                from floatctl_sandbox.actions import seed_if_needed

                seed_if_needed(self, sandbox)
        return self._sandbox

    @property
    def settings(self) -> Settings:
        """Settings with the sandbox's endpoints filled in when acting on the sandbox."""
        if self._settings is None:
            settings = self.base_settings
            if settings.env == "sandbox" and not settings.aws_endpoint_url:
                settings = self.sandbox().settings(settings)
            self._settings = settings
        return self._settings

    def aws(self) -> AwsClients:
        if self._aws is None:
            from jobs.adapters.aws import AwsClients

            self._aws = AwsClients(self.settings)
        return self._aws

    def runtime(self) -> Any:
        """The jobs adapters (stores, clients) for this command, built once."""
        if self._runtime is None:
            from jobs.runtime import Runtime

            self._runtime = Runtime.from_settings(self.settings)
        return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
