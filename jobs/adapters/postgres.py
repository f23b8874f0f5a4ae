"""The floats table: keyset pages from the replica, the re-fetch guard's read from main (psycopg 3)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from jobs.adapters import sql
from jobs.adapters.aws_errors import error_code, error_text
from jobs.adapters.deadline import FdSocket, Watch
from jobs.domain.calendar import DueWindow
from jobs.domain.model import Float
from jobs.errors import ConfigError, DependencyError, credential_error

log = logging.getLogger("jobs.adapters.postgres")
SECRET_FIELDS = ("host", "port", "username", "password", "dbname")
DB_RETRIES = 3
STATEMENT_TIMEOUT_S = 8.0
#: One query, its connection checkout and retries included (deadline.py).
CALL_DEADLINE_S = 10.0
POOL_OPEN_S = 12.0  # both pools, at start


@dataclass(frozen=True)
class DbSecret:
    """Connection facts from an RDS secret (the password never reaches a log or a repr)."""

    name: str
    host: str
    port: int
    username: str
    dbname: str
    password: str = ""

    def __repr__(self) -> str:
        return f"DbSecret({self.name!r}, {self.where()})"

    def where(self) -> str:
        """`name: user@host:port/db`, for people (no password)."""
        return f"{self.name}: {self.username}@{self.host}:{self.port}/{self.dbname}"

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(
            host=self.host,
            port=self.port,
            user=self.username,
            password=self.password,
            dbname=self.dbname,
            connect_timeout=5,
            application_name="floatctl",
            # The server gives up on a query that runs (or waits for a lock) past this; the client's own
            # watch (FloatsStore._fetch) also bounds a connection that stops answering.
            options=f"-c statement_timeout={int(STATEMENT_TIMEOUT_S * 1000)}",
        )


def parse_secret(name: str, text: str | None) -> DbSecret:
    """Validate one RDS secret; a corrupt one raises ConfigError naming what is wrong (not its value)."""
    try:
        data = json.loads(text or "")
    except ValueError:
        raise ConfigError(f"secret {name!r} is not valid JSON") from None
    if not isinstance(data, dict):
        raise ConfigError(f"secret {name!r} is not a JSON object")
    missing = [f for f in SECRET_FIELDS if f not in data]
    if missing:
        raise ConfigError(f"secret {name!r} lacks {', '.join(missing)}")
    try:
        port = int(data["port"])
    except (TypeError, ValueError):
        raise ConfigError(f"secret {name!r} has a non-numeric port") from None
    return DbSecret(
        name, str(data["host"]), port, str(data["username"]), str(data["dbname"]), str(data["password"])
    )


def load_secrets(secretsmanager: Any, main: str, replica: str) -> tuple[DbSecret, DbSecret]:
    """Fetch both RDS secrets with one BatchGetSecretValue."""
    try:
        response = secretsmanager.batch_get_secret_value(SecretIdList=[main, replica])
    except Exception as exc:
        if found := credential_error(exc):
            raise found from None
        raise DependencyError(f"cannot read the RDS secrets: {_aws_message(exc)}") from None
    values = {v["Name"]: v.get("SecretString") for v in response.get("SecretValues", [])}
    for error in response.get("Errors", []):
        raise ConfigError(f"secret {error.get('SecretId')!r}: {error.get('ErrorCode')}")
    for name in (main, replica):
        if name not in values:
            raise ConfigError(f"secret {name!r} was not returned")
    return parse_secret(main, values[main]), parse_secret(replica, values[replica])


def _aws_message(exc: Exception) -> str:
    return error_text(exc) if error_code(exc) else type(exc).__name__


def _row(record: tuple[Any, ...]) -> Float:
    return Float(*record)


class FloatsStore:
    """Pooled connections to the replica (paging) and main (re-fetch)."""

    def __init__(self, main: DbSecret, replica: DbSecret, pool_size: int = 4) -> None:
        from psycopg_pool import ConnectionPool

        kwargs = {
            "min_size": 1,
            "max_size": max(2, pool_size),
            "timeout": 15,
            "check": ConnectionPool.check_connection,
            # Every query is one SELECT: autocommit spares each a BEGIN and the ROLLBACK the pool sends
            # when the connection comes back, half the round trips of a re-read (0.61 -> 0.34 ms p50 on
            # the sandbox). psycopg: "by default, any database operation will start a new transaction"
            # (https://psycopg.org/psycopg3/docs/basic/transactions.html), and "At the end of the
            # connection() context, the transaction is committed or rolled back, and the connection
            # returned to the pool" (https://psycopg.org/psycopg3/docs/advanced/pool.html).
            "kwargs": {"autocommit": True},
        }
        try:
            self.replica = ConnectionPool(replica.conninfo(), name="replica", open=True, **kwargs)
            self.main = ConnectionPool(main.conninfo(), name="main", open=True, **kwargs)
            opened_by = time.monotonic() + POOL_OPEN_S
            self.replica.wait(timeout=POOL_OPEN_S)
            self.main.wait(timeout=max(0.1, opened_by - time.monotonic()))
        except Exception as exc:
            raise DependencyError(f"cannot connect to Postgres ({type(exc).__name__})") from None

    def close(self) -> None:
        self.replica.close()
        self.main.close()

    def _fetch(self, pool: Any, query: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """Run one query, retried on a broken connection, all within CALL_DEADLINE_S and the thread's
        bounds (deadline.py): a hung connection is cut, never waited on."""
        import psycopg
        from psycopg_pool import PoolTimeout

        watch = Watch(CALL_DEADLINE_S)
        try:
            for attempt in range(1, DB_RETRIES + 1):
                if watch.over():
                    raise DependencyError(f"Postgres {pool.name}: {watch.cut}")
                try:
                    with pool.connection(timeout=max(0.1, watch.left())) as conn:
                        return self._execute(conn, watch, query, params)
                except (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout) as exc:
                    if watch.over():
                        raise DependencyError(f"Postgres {pool.name}: {watch.cut}") from None
                    if attempt == DB_RETRIES:
                        raise DependencyError(
                            f"Postgres {pool.name}: {type(exc).__name__} after {attempt} tries"
                        ) from None
                    log.warning("postgres %s connection failed (%s); retrying", pool.name, type(exc).__name__)
                    pause = 0.2 * attempt
                    stop = watch.stop or threading.Event()
                    if stop.wait(min(pause, max(0.0, watch.left()))):
                        raise DependencyError(f"Postgres {pool.name}: cut by the hard stop") from None
                except psycopg.Error as exc:  # not a connection problem: no retry, still one translated line
                    raise DependencyError(f"Postgres {pool.name}: {type(exc).__name__}") from None
        finally:
            watch.done()
        raise AssertionError("unreachable")

    @staticmethod
    def _execute(conn: Any, watch: Watch, query: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
        """The query on `conn`, its socket watched (cut at the deadline or the stop)."""
        fd = FdSocket(conn.fileno())
        watch.connection(fd)
        try:
            return conn.execute(query, params).fetchall()
        finally:
            watch.conn = None  # the pooled connection outlives this call
            fd.close()

    def pages(
        self, window: DueWindow, page_size: int, shard_index: int = 0, shard_count: int = 1, after_id: int = 0
    ) -> Iterator[list[Float]]:
        """SCHEDULING floats due in the window, in id order, one keyset page at a time."""
        while True:
            rows = self._fetch(
                self.replica,
                sql.PAGE_SCHEDULING_FLOATS,
                {
                    "start": window.start,
                    "end": window.end,
                    "after_id": after_id,
                    "limit": page_size,
                    "shard_index": shard_index,
                    "shard_count": shard_count,
                },
            )
            if not rows:
                return
            page = [_row(r) for r in rows]
            yield page
            after_id = page[-1].id
            if len(page) < page_size:
                return

    def refetch(self, float_id: int) -> Float | None:
        """The float as main has it now (None when gone)."""
        rows = self._fetch(self.main, sql.FLOAT_BY_ID, {"id": float_id})
        return _row(rows[0]) if rows else None
