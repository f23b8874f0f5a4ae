"""The sandbox's background process: Postgres, the moto server, the simulator and local Fargate.

Run as `python -m floatctl_sandbox.services DIR`; it writes DIR/services.json once everything
answers and tears everything down on SIGTERM (saving the DynamoDB tables to DIR so state survives).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from floatctl_sandbox import state as sandbox_state

log = logging.getLogger("floatctl_sandbox.services")
PG_PASSWORD = "sandbox-db-password"


def start_postgres(directory: Path) -> tuple[Any, Path]:
    """Start (or adopt) the pgserver PostgreSQL and make the three databases and their schemas."""
    import pgserver
    import psycopg

    server = pgserver.get_server(str(directory / "pg"), cleanup_mode="stop")
    socket_dir = Path(server.get_postmaster_info().socket_dir)
    with psycopg.connect(sandbox_state.dsn(socket_dir, "postgres"), autocommit=True) as conn:
        have = {r[0] for r in conn.execute("SELECT datname FROM pg_database")}
        for name in sandbox_state.DATABASES:
            if name not in have:
                conn.execute(f'CREATE DATABASE "{name}"')
    floats_sql = (Path(__file__).parent / "sql" / "floats.sql").read_text()
    for name in ("main", "replica"):
        with psycopg.connect(sandbox_state.dsn(socket_dir, name), autocommit=True) as conn:
            conn.execute(floats_sql)
    from floatctl_sandbox.simulator import apply_schema

    apply_schema(sandbox_state.dsn(socket_dir, "services"))
    return server, socket_dir


def _secret(socket_dir: Path, dbname: str) -> dict[str, Any]:
    return {
        "host": str(socket_dir),
        "port": 5432,
        "username": "postgres",
        "password": PG_PASSWORD,
        "dbname": dbname,
    }


def run(directory: Path) -> None:
    """Bring everything up, publish the endpoints, and wait for SIGTERM."""
    from floatctl_sandbox import dynamo_snapshot, previews_snapshot
    from floatctl_sandbox.fargate import LocalFargate, task_environment
    from floatctl_sandbox.provision import provision
    from floatctl_sandbox.simulator_process import PolledFaults, SimulatorProcess
    from jobs.adapters.aws import AwsClients

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    from floatctl_sandbox.aws_front import AwsServer

    _server, socket_dir = start_postgres(directory)
    simulator = SimulatorProcess(sandbox_state.dsn(socket_dir, "services")).start()
    # The simulator owns the faults; the AWS front polls them (`dynamodb.throttle_rate`).
    faults = PolledFaults(simulator.url)
    moto = AwsServer(faults).start()
    aws_endpoint = moto.url
    settings = sandbox_state.sandbox_settings(aws_endpoint, services_url=simulator.url)
    clients = AwsClients(settings)
    provision(
        settings, clients, {"main": _secret(socket_dir, "main"), "replica": _secret(socket_dir, "replica")}
    )
    dynamo_snapshot.restore(directory, settings, clients)
    previews_snapshot.restore(directory, settings, clients)

    endpoints = {"aws_endpoint": aws_endpoint, "services_url": simulator.url}
    fargate = LocalFargate(task_environment(endpoints, directory), directory / "tasks")
    fargate.install()

    sandbox_state.write_state(
        directory,
        {
            "pid": os.getpid(),
            "socket_dir": str(socket_dir),
            "postmaster_pid": _server.get_pid(),
            **endpoints,
        },
    )
    log.info("sandbox ready: %s", json.dumps(endpoints))
    stop.wait()
    log.info("stopping")
    fargate.shutdown()
    dynamo_snapshot.save(directory, settings, clients)
    previews_snapshot.save(directory, settings, clients)
    faults.close()
    simulator.stop()
    moto.stop()
    sandbox_state.clear_state(directory)


def main() -> None:
    directory = Path(sys.argv[1])
    logging.basicConfig(
        filename=directory / "services.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto call drowns the log
    try:
        run(directory)
    except Exception:
        log.exception("sandbox services failed")
        sandbox_state.clear_state(directory)
        raise SystemExit(1) from None
    # pgserver's atexit handler stops PostgreSQL as the process exits.


if __name__ == "__main__":
    main()
