"""Each adapter against its real component: locks and history on moto, floats on Postgres, clients on the simulator."""

from __future__ import annotations

import json
import threading
import time
from datetime import date

import pytest

from jobs.adapters.job_lock import JobLockStore
from jobs.adapters.liveness import OwnerLiveness
from jobs.adapters.locks import LeaseLost, LockStore
from jobs.adapters.postgres import load_secrets, parse_secret
from jobs.adapters.services import PaymentsClient, RetryPolicy, SignedHttp, UsersClient
from jobs.batch.limiter import RateLimiter
from jobs.domain.records import FloatEvent, RunRecord, utc_now
from jobs.errors import ConfigError
from tests import scenarios


def test_lock_lifecycle_with_fencing(runtime, load):
    load({})
    locks = LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table)
    first = locks.acquire("float", "float#1", "run-a", "other-host:1", 60)
    assert first is not None and not first.took_over  # nobody held it
    assert locks.acquire("float", "float#1", "run-b", "other-host:2", 60) is None
    renewed = locks.renew(first, 60)
    assert renewed.rvn != first.rvn
    with pytest.raises(LeaseLost):
        locks.renew(first, 60)  # the stale rvn is fenced out
    assert locks.release(first) is False
    assert locks.get("float", "float#1").rvn == renewed.rvn
    assert locks.release(renewed) is True and locks.get("float", "float#1") is None


def test_an_expired_lease_is_free_and_a_dead_local_owner_is_free(runtime, load):
    import socket

    load(
        {
            "locks": [
                {
                    "namespace": "float",
                    "lock_key": "float#2",
                    "owner": "old",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": -1,
                },
                {
                    "namespace": "float",
                    "lock_key": "float#3",
                    "owner": "dead",
                    "owner_task": f"{socket.gethostname()}:999999",
                    "lease_expires_in_s": 600,
                },
                {
                    "namespace": "float",
                    "lock_key": "float#4",
                    "owner": "alive",
                    "owner_task": "other-host:1",
                    "lease_expires_in_s": 600,
                },
            ]
        }
    )
    locks = runtime.locks()
    assert locks.acquire("float", "float#2", "me", "me:1", 60).took_over  # expired
    assert locks.acquire("float", "float#3", "me", "me:1", 60).took_over  # a dead owner
    assert locks.acquire("float", "float#4", "me", "me:1", 60) is None
    assert {lease.lock_key for lease in locks.list("float")} == {"float#2", "float#3", "float#4"}


def test_a_stopped_ecs_task_owner_is_dead(runtime, sandbox):
    ecs = runtime.aws.client("ecs")
    net = runtime.aws.client("scheduler").get_schedule(Name=runtime.settings.schedule_name)["Target"][
        "EcsParameters"
    ]["NetworkConfiguration"]["awsvpcConfiguration"]
    task = ecs.run_task(
        cluster=runtime.settings.cluster,
        taskDefinition=runtime.settings.task_family,
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": net["Subnets"], "securityGroups": net["SecurityGroups"]}
        },
        overrides={"containerOverrides": [{"name": "collections-jobs", "command": ["version"]}]},
    )["tasks"][0]["taskArn"]
    liveness = OwnerLiveness(ecs, runtime.settings.cluster)
    deadline = time.monotonic() + 30
    while not liveness.owner_is_dead(task) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert liveness.owner_is_dead(task)
    assert not liveness.owner_is_dead("some-other-host:1")


def test_history_events_summaries_and_run_records(runtime, load):
    load({})
    history = runtime.history()
    due = date(2026, 11, 23)
    history.put_event(FloatEvent(5, "r1", "FAILED", date(2026, 10, 1), user_id=77, idempotency_key="k-old"))
    # A FAILED that never reached Payments (its users-service call failed) is not an ACH attempt.
    history.put_event(FloatEvent(5, "r0", "FAILED", date(2026, 9, 1), user_id=77, reason="debit_card: 503"))
    history.put_event(FloatEvent(5, "r2", "ACH_PENDING", due, user_id=77, idempotency_key="k"))
    summary = history.float_history(5, due)
    assert (summary.already_submitted, summary.ach_attempts, summary.pending_key) == (False, 1, "k")
    history.put_event(
        FloatEvent(5, "r2", "SUBMITTED", due, user_id=77, payment_id="pay_1", idempotency_key="k")
    )
    summary = history.float_history(5, due)
    assert summary.already_submitted and summary.payment_id == "pay_1" and summary.pending_key is None
    assert [e.outcome for e in history.by_user_id(77)] == ["SUBMITTED", "ACH_PENDING", "FAILED", "FAILED"]
    record = RunRecord("r2", due, date(2026, 11, 20), utc_now())
    history.put_run(record)
    history.put_run(
        RunRecord(
            "r2", due, date(2026, 11, 20), record.started_at, status="SUCCEEDED", counts={"SUBMITTED": 1}
        )
    )
    runs = history.runs(due)
    assert len(runs) == 1 and runs[0].status == "SUCCEEDED" and runs[0].counts == {"SUBMITTED": 1}


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


def _http(runtime, **policy):
    return SignedHttp(runtime.aws.credentials, "us-east-1", RetryPolicy(**policy))


def test_users_client_reads_cards_and_retries_5xx(runtime, load, cli):
    load(
        {
            "cards": [
                {
                    "user_id": 3,
                    "card_id": "c3",
                    "last4": "1234",
                    "is_primary": True,
                    "status": "ACTIVE",
                    "exp_month": 1,
                    "exp_year": 2030,
                }
            ]
        }
    )
    users = UsersClient(_http(runtime, backoff_initial_s=0.01, jitter_s=0.01), runtime.settings.users_api_url)
    assert [c.last4 for c in users.debit_cards(3)] == ["1234"] and users.debit_cards(4) == []
    cli("sandbox", "faults", "set", "users.error_rate=1")
    from jobs.errors import ServiceError

    with pytest.raises(ServiceError):
        users.debit_cards(3)


def test_payments_retries_honour_retry_after_reuse_the_key_and_take_a_token_each(runtime, load, cli, sandbox):
    import psycopg

    load({})
    cli("sandbox", "faults", "set", "payments.throttle_rate=1", "payments.retry_after_s=1")
    payments = PaymentsClient(_http(runtime, attempts=3), runtime.settings.payments_api_url)
    limiter = RateLimiter(100)
    tokens = []
    clear = threading.Timer(1.5, lambda: cli("sandbox", "faults", "clear"))
    clear.start()
    started = time.monotonic()
    result = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(limiter.acquire()),
    )
    clear.join()
    assert result.accepted and time.monotonic() - started >= 2.0  # two Retry-After: 1 waits
    assert len(tokens) == 3
    with psycopg.connect(sandbox.dsn("services")) as conn:
        keys = conn.execute("SELECT DISTINCT idempotency_key FROM payment_requests").fetchall()
    assert keys == [("day-before-ach:1:2026-11-24",)]
    again = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
    )
    assert again.accepted and again.replayed and again.payment_id == result.payment_id
    other = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=999,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
    )
    # 409: the payment held under our key is read back and reported, not retried as an attempt.
    assert not other.accepted and other.status == 409 and other.payment_id == result.payment_id
    assert other.held["amount_cents"] == 300 and "already holds payment" in other.reason
    assert payments.payment("day-before-ach:1:2026-11-24")["payment_id"] == result.payment_id
    assert payments.payment("day-before-ach:1:1999-01-01") is None


def test_an_answer_that_does_not_echo_our_order_is_a_contract_break(runtime, load, cli):
    load({})
    assert (
        cli(
            "sandbox",
            "faults",
            "set",
            'payments.contract_break="wrong_echo"',
            "payments.contract_break_rate=1",
        ).exit_code
        == 0
    )
    payments = PaymentsClient(_http(runtime, attempts=1), runtime.settings.payments_api_url)
    result = payments.submit(
        float_id=5,
        user_id=6,
        amount_cents=700,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:5:2026-11-24",
    )
    assert not result.accepted and "contract break" in result.reason and "float_id" in result.reason


def test_a_trickling_answer_is_cut_at_the_total_deadline_and_at_a_hard_stop(runtime, load, cli):
    from jobs.errors import ServiceError

    load({})
    assert cli("sandbox", "faults", "set", "users.trickle_byte_s=0.5").exit_code == 0
    users = UsersClient(
        _http(runtime, attempts=2, total_deadline_s=1.0, backoff_initial_s=0.01),
        runtime.settings.users_api_url,
    )
    started = time.monotonic()
    with pytest.raises(ServiceError, match="total deadline"):
        users.debit_cards(3)
    assert time.monotonic() - started < 3.5  # two attempts of 1 s each, not 2 x 20 bytes x 0.5 s
    stop = threading.Event()
    users = UsersClient(_http(runtime, attempts=1, total_deadline_s=60.0), runtime.settings.users_api_url)
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(ServiceError, match="hard stop"):
        users.debit_cards(3, stop=stop)
    assert time.monotonic() - started < 2.0


def test_the_total_deadline_starts_after_the_wait_for_the_token(runtime, load):
    """At a low rate the token wait is longer than the deadline: the call must still go out, once."""
    load({})
    limiter = RateLimiter(1.5)  # the second token comes ~0.67 s after the first
    payments = PaymentsClient(
        _http(runtime, attempts=1, total_deadline_s=0.4), runtime.settings.payments_api_url
    )
    waits = []
    results = [
        payments.submit(
            float_id=float_id,
            user_id=2,
            amount_cents=300,
            effective_date=date(2026, 11, 24),
            idempotency_key=f"day-before-ach:{float_id}:2026-11-24",
            before_attempt=lambda: waits.append(limiter.acquire()) or limiter.sent,
        )
        for float_id in (1, 2)
    ]
    assert max(waits) > 0.4  # the second waited past a whole deadline for its token ...
    assert [r.accepted for r in results] == [True, True], [r.reason for r in results]  # ... and was sent


def test_the_token_is_taken_at_the_first_send_after_connecting(runtime, load, sandbox):
    """No token for a connection that never opened; a limiter stop sends nothing at all."""
    import socket

    import psycopg

    from jobs.batch.limiter import LimiterStopped

    load({})
    http = _http(runtime, attempts=1)
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    tokens = []
    refused = PaymentsClient(http, closed).submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(1),
    )
    assert not refused.accepted and "connection failed" in refused.reason and tokens == []

    def stopped():
        raise LimiterStopped("stopped")

    payments = PaymentsClient(http, runtime.settings.payments_api_url)
    with pytest.raises(LimiterStopped):
        payments.submit(
            float_id=1,
            user_id=2,
            amount_cents=300,
            effective_date=date(2026, 11, 24),
            idempotency_key="day-before-ach:1:2026-11-24",
            before_attempt=stopped,
        )
    with psycopg.connect(sandbox.dsn("services")) as conn:
        assert conn.execute("SELECT count(*) FROM payment_requests").fetchone() == (0,)
    sent = payments.submit(
        float_id=1,
        user_id=2,
        amount_cents=300,
        effective_date=date(2026, 11, 24),
        idempotency_key="day-before-ach:1:2026-11-24",
        before_attempt=lambda: tokens.append(1),
    )
    assert sent.accepted and tokens == [1]  # the pool is still good after the stopped attempt


def test_the_job_lock_admits_one_layout_and_the_shards_of_it(runtime, load):
    load({})
    job = JobLockStore(LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table))
    first = job.join("run-a", "other-host:1", 0, 2, 60)
    assert first is not None and first.shard_count == 2
    assert job.join("run-u", "other-host:9", 0, 1, 60) is None  # unsharded while a 2-layout runs
    assert job.join("run-c", "other-host:3", 1, 3, 60) is None  # another count
    assert job.join("run-d", "other-host:4", 0, 2, 60) is None  # the same index twice
    second = job.join("run-b", "other-host:2", 1, 2, 60)
    assert second is not None
    held = job.get()
    assert (held.shard_count, held.shards, held.joined) == (2, (0, 1), (0, 1))
    assert "shards 0,1 of 2" in held.layout
    renewed = job.renew(first, 60)
    with pytest.raises(LeaseLost):
        job.renew(first, 60)
    assert job.leave(renewed) is True
    assert job.get().shards == (1,)  # the layout lives while one shard does
    assert job.join("run-u", "other-host:9", 0, 1, 60) is None
    assert job.leave(second) is True and job.get() is None  # the last one out deletes it
    alone = job.join("run-u", "other-host:9", 0, 1, 60)
    assert alone is not None and job.join("run-v", "other-host:8", 0, 1, 60) is None
    assert job.leave(alone) and job.get() is None


def _until_the_front_loses_replies(runtime, timeout_s=10.0):
    """The AWS front polls the faults a few times a second: wait until a write really loses its reply."""
    import boto3
    from botocore.config import Config

    s = runtime.settings
    raw = boto3.client(
        "dynamodb",
        endpoint_url=s.aws_endpoint_url,
        region_name=s.region,
        aws_access_key_id=s.aws_access_key_id,
        aws_secret_access_key=s.aws_secret_access_key,
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),  # one try, no retry
    )
    item = {"namespace": {"S": "probe"}, "lock_key": {"S": "probe"}}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            raw.put_item(TableName=s.locks_table, Item=item)
        except raw.exceptions.InternalServerError:
            return
    raise AssertionError("the lost-reply fault never took effect")


def test_a_lost_dynamodb_reply_reads_as_success_not_as_a_lost_lock(runtime, load, sandbox):
    from floatctl_sandbox import actions

    load({})
    locks = LockStore(runtime.aws.client("dynamodb"), runtime.settings.locks_table)
    actions.faults_request(sandbox, "PUT", {"dynamodb.lost_reply_rate": 1.0})
    _until_the_front_loses_replies(runtime)
    try:
        # Every write lands and answers 500; botocore retries and the retry fails its own condition.
        lease = locks.acquire("float", "float#9", "run-a", "other-host:1", 60)
        assert lease is not None
        renewed = locks.renew(lease, 60)
        job = JobLockStore(locks)
        joined = job.join("run-a", "other-host:1", 0, 1, 60)
        assert joined is not None
        joined = job.renew(joined, 60)
        assert locks.release(renewed) is True
        assert job.leave(joined) is True
    finally:
        actions.faults_request(sandbox, "DELETE")
    assert locks.get("float", "float#9") is None and job.get() is None


def test_a_dynamodb_call_that_fails_outright_is_one_clear_error(runtime):
    from jobs.errors import DependencyError

    locks = LockStore(runtime.aws.client("dynamodb"), "no-such-table")
    with pytest.raises(DependencyError, match="no-such-table.*ResourceNotFoundException"):
        locks.acquire("float", "float#1", "run-a", "other-host:1", 60)
