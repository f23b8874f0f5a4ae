"""Local Fargate: a task started with RunTask in the sandbox runs as a local floatctl process.

The moto ECS backend lives in the services process, so RunTask and StopTask are wrapped in place:
a started task's app container command (with its overrides) runs as `python -m floatctl ...`
against the sandbox, and when the process ends the task is STOPPED with that exit code.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("floatctl_sandbox.fargate")


class LocalFargate:
    """Runs moto's FARGATE tasks as local processes and reports their exit codes back to moto."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env = env
        self.log_dir = log_dir
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def install(self) -> None:
        """Wrap moto's ECS backend so RunTask/StopTask drive local processes."""
        from moto.ecs.models import EC2ContainerServiceBackend
        from moto.moto_api import state_manager

        # Statuses are ours to set: stop moto from advancing them on every DescribeTasks.
        state_manager.set_transition(
            model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
        )
        original_run, original_stop = (
            EC2ContainerServiceBackend.run_task,
            EC2ContainerServiceBackend.stop_task,
        )
        fargate = self

        def run_task(backend: Any, *args: Any, **kwargs: Any) -> Any:
            tasks = original_run(backend, *args, **kwargs)
            for task in tasks:
                fargate.start(backend, task)
            return tasks

        def stop_task(backend: Any, cluster_str: str, task_str: str, reason: str) -> Any:
            if fargate.signal(task_str, signal.SIGTERM):
                for cluster_tasks in backend.tasks.values():
                    for arn, task in cluster_tasks.items():
                        if arn.endswith(task_str.split("/")[-1]):
                            task.desired_status = "STOPPED"
                            task.stopped_reason = reason
                            return task
            return original_stop(backend, cluster_str, task_str, reason)

        EC2ContainerServiceBackend.run_task = run_task  # type: ignore[method-assign]
        EC2ContainerServiceBackend.stop_task = stop_task  # type: ignore[method-assign]

    def start(self, backend: Any, task: Any) -> None:
        """Start the task's app container as a local process and follow it in a thread."""
        task_def = backend.describe_task_definition(task.task_definition_arn)
        app = task_def.container_definitions[0]
        command = list(app.get("command") or [])
        env = dict(self.env)
        env.update({e["name"]: e["value"] for e in app.get("environment") or []})
        for override in (task.overrides or {}).get("containerOverrides", []):
            if override.get("name") == app["name"]:
                command = list(override.get("command") or command)
                env.update({e["name"]: e["value"] for e in override.get("environment") or []})
        env["FLOATCTL_TASK_ARN"] = task.task_arn
        task.last_status = "PROVISIONING"
        task.containers[0].exitCode = None  # moto starts it at 0; a running container has none
        task.created_at = datetime.now(UTC)
        threading.Thread(target=self._follow, args=(task, command, env), daemon=True).start()

    def _follow(self, task: Any, command: list[str], env: dict[str, str]) -> None:
        log_path = self.log_dir / f"{task.id}.log"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as out:
            try:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "floatctl", *command],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            except OSError as exc:
                log.error("task %s could not start: %s", task.id, exc)
                self._stopped(task, 1, f"CannotStartContainerError: {exc}")
                return
            with self._lock:
                self._processes[task.task_arn] = proc
            task.last_status = "RUNNING"
            task.started_at = datetime.now(UTC)
            task.containers[0].last_status = "RUNNING"
            log.info("task %s running as pid %s: %s", task.id, proc.pid, " ".join(command))
            code = proc.wait()
        with self._lock:
            self._processes.pop(task.task_arn, None)
        self._stopped(task, code, "Essential container in task exited")

    @staticmethod
    def _stopped(task: Any, code: int, reason: str) -> None:
        # A process killed by signal N shows as 128+N, as a container runtime reports it.
        exit_code = 128 - code if code < 0 else code
        container = task.containers[0]
        container.exitCode = exit_code
        container.last_status = "STOPPED"
        task.stopped_reason = task.stopped_reason or reason
        task.stop_code = "EssentialContainerExited"
        task.stopped_at = datetime.now(UTC)
        task.desired_status = "STOPPED"
        task.last_status = "STOPPED"
        log.info("task %s stopped with exit code %s", task.id, exit_code)

    def signal(self, task_str: str, signum: int) -> bool:
        """Send a signal to a running task's process; False when no such local task runs."""
        task_id = task_str.split("/")[-1]
        with self._lock:
            for arn, proc in self._processes.items():
                if arn.endswith(task_id):
                    proc.send_signal(signum)
                    return True
        return False

    def shutdown(self, timeout: float = 25.0) -> None:
        """Stop every running task process (SIGTERM, then SIGKILL after the timeout)."""
        with self._lock:
            procs = list(self._processes.values())
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()


def task_environment(endpoints: dict[str, str], sandbox_dir: Path) -> dict[str, str]:
    """The environment a local task runs with: this machine's, pointed at the sandbox."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOATCTL_", "AWS_", "DD_"))}
    env.update(
        {
            "FLOATCTL_ENV": "sandbox",
            "FLOATCTL_SANDBOX_DIR": str(sandbox_dir),
            "AWS_ENDPOINT_URL": endpoints["aws_endpoint"],
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
            "PAYMENTS_API_URL": endpoints["services_url"],
            "USERS_API_URL": endpoints["services_url"],
        }
    )
    return env
