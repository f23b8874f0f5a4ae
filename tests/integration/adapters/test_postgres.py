"""Floats on Postgres (keyset pages, the re-fetch from main, a dropped connection) and the RDS secrets."""

from __future__ import annotations

import json

import pytest

from jobs.adapters.postgres import load_secrets, parse_secret
from jobs.errors import ConfigError
from tests import scenarios


def test_floats_keyset_pages_and_refetch_from_main(runtime, load):
    document = scenarios.mixed(23, seed=9)
    document["floats"][0]["replica"] = {"amount_cents": 1}
    load(document)
    store = runtime.floats()
    window = scenarios.due_window(scenarios.RUN_DATE)
    pages = list(store.pages(window, page_size=5))
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    first = document["floats"][0]
    assert pages[0][0].amount_cents == 1  # the replica's lagging copy
    assert store.refetch(first["id"]).amount_cents == first["amount_cents"]
    assert store.refetch(1) is None
    shards = [{f.id for p in store.pages(window, 4, i, 3) for f in p} for i in range(3)]
    assert set().union(*shards) == {f["id"] for f in document["floats"]} and sum(map(len, shards)) == 23


def test_every_pooled_connection_is_in_autocommit_so_a_read_opens_no_transaction(runtime, load):
    """One SELECT per call: no BEGIN before it and no ROLLBACK when the connection goes back (the
    re-read just before a Payments call is one round trip plus the pool's check)."""
    from psycopg.pq import TransactionStatus

    load(scenarios.mixed(3))
    store = runtime.floats()
    store.refetch(1)
    for pool in (store.main, store.replica):
        with pool.connection() as conn:
            assert conn.autocommit
            conn.execute("SELECT 1").fetchall()
            assert conn.info.transaction_status == TransactionStatus.IDLE


def test_a_dropped_postgres_connection_is_retried(runtime, load, sandbox):
    import psycopg

    load(scenarios.mixed(5))
    store = runtime.floats()
    window = scenarios.due_window(scenarios.RUN_DATE)
    assert len(next(store.pages(window, 50))) == 5
    with psycopg.connect(sandbox.dsn("postgres"), autocommit=True) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'floatctl'"
        ).fetchone()[0]
    assert killed >= 1
    assert len(next(store.pages(window, 50))) == 5


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("not json", "not valid JSON"),
        ("[1]", "not a JSON object"),
        (json.dumps({"host": "h"}), "lacks port, username, password, dbname"),
        (
            json.dumps({"host": "h", "port": "x", "username": "u", "password": "p", "dbname": "d"}),
            "non-numeric port",
        ),
    ],
)
def test_corrupt_secrets_get_a_clear_error_without_the_value(secret, message):
    with pytest.raises(ConfigError) as err:
        parse_secret("sandbox/floats/rds/main", secret)
    assert message in err.value.message and 'p"' not in err.value.message


def test_secrets_come_from_one_batch_call(runtime):
    main, replica = load_secrets(
        runtime.aws.client("secretsmanager"), runtime.settings.main_secret, runtime.settings.replica_secret
    )
    assert (main.dbname, replica.dbname) == ("main", "replica")
    assert "password" not in repr(main) and main.password not in repr(main)
    with pytest.raises(ConfigError):
        load_secrets(runtime.aws.client("secretsmanager"), "nope/main", runtime.settings.replica_secret)
