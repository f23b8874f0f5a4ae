"""The sandbox against its real parts: pgserver PostgreSQL, the moto server, the simulator, local Fargate."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import boto3
import psycopg
import pytest

from floatctl_sandbox import actions
from floatctl_sandbox.seed import CLASSES
from floatctl_sandbox.state import pid_alive
from jobs.settings import Settings
from tests.processes import run_floatctl


def _client(sandbox, service):
    return boto3.client(
        service,
        endpoint_url=sandbox.aws_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_up_from_nothing_then_again_reusing_state_and_down_leaves_nothing(tmp_path_factory):
    directory = Path(tmp_path_factory.mktemp("sb", numbered=True)).resolve()
    directory.parent.chmod(0o755)
    env = {"FLOATCTL_SANDBOX_DIR": str(directory)}
    first = run_floatctl("-o", "json", "sandbox", "up", env=env)
    assert first.returncode == 0, first.stderr
    info = json.loads(first.stdout)
    assert info["running"] is True and info["dir"] == str(directory)
    with psycopg.connect(info["postgres_uri"]) as conn:
        seeded = conn.execute("SELECT count(*) FROM floats").fetchone()[0]
    assert seeded > 0
    history_before = _client(SimpleNamespace(aws_endpoint=info["aws_endpoint"]), "dynamodb").scan(
        TableName="sandbox-floats-collection-history", Select="COUNT"
    )["Count"]
    assert history_before > 0
    saved = run_floatctl("preview", "--save", "-o", "json", env=env)
    assert saved.returncode == 0 and "saved s3://sandbox-floats-signed-off-previews/previews/" in saved.stderr

    assert run_floatctl("sandbox", "down", env=env).returncode == 0
    pids = [info["pid"], _postmaster_pid(directory)]
    assert not any(pid_alive(p) for p in pids)

    again = run_floatctl("-o", "json", "sandbox", "up", env=env)
    assert again.returncode == 0, again.stderr
    info2 = json.loads(again.stdout)
    assert info2["pid"] != info["pid"]
    with psycopg.connect(info2["postgres_uri"]) as conn:
        assert conn.execute("SELECT count(*) FROM floats").fetchone()[0] == seeded
    history_after = _client(SimpleNamespace(aws_endpoint=info2["aws_endpoint"]), "dynamodb").scan(
        TableName="sandbox-floats-collection-history", Select="COUNT"
    )["Count"]
    assert history_after == history_before  # DynamoDB state survives a restart
    previews = _client(SimpleNamespace(aws_endpoint=info2["aws_endpoint"]), "s3").list_objects_v2(
        Bucket="sandbox-floats-signed-off-previews", Prefix="previews/"
    )["Contents"]
    assert saved.stderr.split("saved s3://sandbox-floats-signed-off-previews/")[1].split()[0] in {
        o["Key"] for o in previews
    }  # and so do the signed-off previews

    import psutil

    children = [c.pid for c in psutil.Process(info2["pid"]).children(recursive=True)]
    assert children  # the simulator's own process, at least
    down = run_floatctl("sandbox", "down", env=env)
    assert down.returncode == 0
    assert not any(pid_alive(pid) for pid in children)
    status = json.loads(run_floatctl("-o", "json", "sandbox", "status", env=env).stdout)
    assert status["running"] is False
    assert not any(pid_alive(p) for p in (info2["pid"], _postmaster_pid(directory)))
    leftovers = subprocess.run(["pgrep", "-f", str(directory)], capture_output=True, text=True).stdout.split()
    assert leftovers == []


def _postmaster_pid(directory: Path) -> int | None:
    try:
        return int((directory / "pg" / "postmaster.pid").read_text().split()[0])
    except OSError:
        return None


def test_every_resource_exists_with_the_design_names(sandbox):
    settings = Settings.load()
    ddb = _client(sandbox, "dynamodb")
    locks = ddb.describe_table(TableName="sandbox-floats-locks")["Table"]
    assert [k["AttributeName"] for k in locks["KeySchema"]] == ["namespace", "lock_key"]
    history = ddb.describe_table(TableName="sandbox-floats-collection-history")["Table"]
    assert [k["AttributeName"] for k in history["KeySchema"]] == ["pk", "sk"]
    assert {g["IndexName"] for g in history["GlobalSecondaryIndexes"]} == {"by_run_id", "by_user_id"}

    secrets = _client(sandbox, "secretsmanager").batch_get_secret_value(
        SecretIdList=["sandbox/floats/rds/main", "sandbox/floats/rds/replica"]
    )["SecretValues"]
    assert {s["Name"] for s in secrets} == {settings.main_secret, settings.replica_secret}

    ecs = _client(sandbox, "ecs")
    assert ecs.describe_clusters(clusters=["sandbox-floats"])["clusters"][0]["status"] == "ACTIVE"
    task_def = ecs.describe_task_definition(taskDefinition="sandbox-floats-day-before-ach")["taskDefinition"]
    assert task_def["networkMode"] == "awsvpc" and task_def["requiresCompatibilities"] == ["FARGATE"]
    assert (task_def["cpu"], task_def["memory"]) == ("512", "1024")
    containers = {c["name"]: c for c in task_def["containerDefinitions"]}
    assert set(containers) == {"collections-jobs", "log-router", "datadog-agent"}
    assert all(c.get("memoryReservation") for c in containers.values())  # terraform's soft limits
    assert containers["datadog-agent"]["essential"] is False
    assert containers["collections-jobs"]["readonlyRootFilesystem"] is True
    assert {"containerName": "datadog-agent", "condition": "HEALTHY"} in containers["collections-jobs"][
        "dependsOn"
    ]

    schedule = _client(sandbox, "scheduler").get_schedule(Name="sandbox-floats-day-before-ach")
    assert schedule["ScheduleExpression"] == "cron(0 19 ? * MON-FRI *)"
    assert schedule["ScheduleExpressionTimezone"] == "America/New_York"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert schedule["State"] == "ENABLED"
    assert schedule["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 0
    network = schedule["Target"]["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]
    assert network["AssignPublicIp"] == "DISABLED" and len(network["Subnets"]) == 2

    ec2 = _client(sandbox, "ec2")
    subnet = ec2.describe_subnets(SubnetIds=network["Subnets"][:1])["Subnets"][0]
    dns = ec2.describe_vpc_attribute(VpcId=subnet["VpcId"], Attribute="enableDnsHostnames")
    assert dns["EnableDnsHostnames"]["Value"] is True
    group = ec2.describe_security_groups(GroupIds=network["SecurityGroups"])["SecurityGroups"][0]
    assert group["GroupName"] == "PrivateSG"
    assert _client(sandbox, "sts").get_caller_identity()["Account"] == "123456789012"


def test_secrets_resolve_to_working_connections(sandbox):
    values = _client(sandbox, "secretsmanager").batch_get_secret_value(
        SecretIdList=["sandbox/floats/rds/main", "sandbox/floats/rds/replica"]
    )["SecretValues"]
    for value in values:
        secret = json.loads(value["SecretString"])
        with psycopg.connect(
            host=secret["host"],
            port=secret["port"],
            user=secret["username"],
            password=secret["password"],
            dbname=secret["dbname"],
        ) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == secret["dbname"]
            conn.execute("SELECT id FROM floats LIMIT 1")


def test_seed_covers_every_verdict_class(sandbox, app_context):
    summary = actions.seed_default(app_context, sandbox, n=40, seed=3)
    classes = set(summary["classes"].values())
    assert classes == set(CLASSES)
    by_class = {}
    for float_id, kind in summary["classes"].items():
        by_class.setdefault(kind, int(float_id))
    with psycopg.connect(sandbox.dsn("main")) as main, psycopg.connect(sandbox.dsn("replica")) as replica:
        stale = by_class["stale_on_replica"]
        assert main.execute("SELECT status FROM floats WHERE id=%s", (stale,)).fetchone()[0] == "PAID"
        assert (
            replica.execute("SELECT status FROM floats WHERE id=%s", (stale,)).fetchone()[0] == "SCHEDULING"
        )
        amount = main.execute(
            "SELECT amount_cents FROM floats WHERE id=%s", (by_class["invalid_amount"],)
        ).fetchone()
        assert amount[0] <= 0
        user = main.execute("SELECT user_id FROM floats WHERE id=%s", (by_class["missing_user"],)).fetchone()
        assert user[0] is None
        # Paging must skip these: out of the window or not SCHEDULING.
        assert main.execute("SELECT count(*) FROM floats WHERE status <> 'SCHEDULING'").fetchone()[0] >= 2
    history = app_context.aws().client("dynamodb")
    events = history.query(
        TableName="sandbox-floats-collection-history",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"float#{by_class['attempt_cap']}"}},
    )["Items"]
    assert [e["outcome"]["S"] for e in events] == ["FAILED"] * 3
    lock = history.get_item(
        TableName="sandbox-floats-locks",
        Key={"namespace": {"S": "float"}, "lock_key": {"S": f"float#{by_class['held_lock']}"}},
    )["Item"]
    assert float(lock["lease_expires_at"]["N"]) > time.time() + 3600
    paid = {p["float_id"] for p in actions.payments(sandbox)}
    assert paid == {by_class["already_submitted"]}


SCENARIO = {
    "floats": [
        {
            "id": 7,
            "user_id": 70,
            "status": "SCHEDULING",
            "amount_cents": 5000,
            "due_date": "2026-11-27",
            "replica": {"status": "SCHEDULING", "amount_cents": 4000},
        },
        {"id": 9, "user_id": None, "status": "SCHEDULING", "amount_cents": 100, "due_date": "2026-11-27"},
    ],
    "cards": [
        {
            "user_id": 70,
            "card_id": "c-70",
            "last4": "4242",
            "is_primary": True,
            "status": "ACTIVE",
            "exp_month": 12,
            "exp_year": 2027,
        }
    ],
    "history": [
        {"float_id": 7, "outcome": "SUBMITTED", "due_date": "2026-10-01", "event_at": "2026-09-30T23:10:00Z"}
    ],
    "locks": [
        {
            "namespace": "float",
            "lock_key": "float#7",
            "owner": "other-run",
            "owner_task": "host-x:1",
            "lease_expires_in_s": 300,
        }
    ],
}


def test_scenario_round_trips_and_a_broken_one_keeps_the_data(sandbox, app_context, cli, tmp_path):
    good = tmp_path / "good.json"
    good.write_text(json.dumps(SCENARIO))
    result = cli("sandbox", "seed", "--from", str(good))
    assert result.exit_code == 0, result.output
    with psycopg.connect(sandbox.dsn("main")) as main, psycopg.connect(sandbox.dsn("replica")) as replica:
        assert main.execute("SELECT id, user_id, amount_cents FROM floats ORDER BY id").fetchall() == [
            (7, 70, 5000),
            (9, None, 100),
        ]
        assert replica.execute("SELECT amount_cents FROM floats WHERE id=7").fetchone()[0] == 4000
    with psycopg.connect(sandbox.dsn("services")) as services:
        assert services.execute("SELECT card_id, last4 FROM debit_cards").fetchall() == [("c-70", "4242")]
    ddb = app_context.aws().client("dynamodb")
    lock = ddb.get_item(
        TableName="sandbox-floats-locks", Key={"namespace": {"S": "float"}, "lock_key": {"S": "float#7"}}
    )["Item"]
    assert lock["owner"]["S"] == "other-run" and float(lock["lease_expires_at"]["N"]) > time.time() + 200
    event = ddb.query(
        TableName="sandbox-floats-collection-history",
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "float#7"}},
    )["Items"][0]
    assert event["sk"]["S"].startswith("2026-09-30T23:10:00") and event["outcome"]["S"] == "SUBMITTED"

    broken = {**SCENARIO, "cards": [{**SCENARIO["cards"][0], "status": "LOST"}]}
    for name, text in (
        ("bad.json", json.dumps(broken)),
        ("notjson.json", "{floats: ["),
        ("dup.json", json.dumps({"floats": [SCENARIO["floats"][1]] * 2})),
        (
            "pay.json",
            json.dumps({"payments": [{"float_id": 7, "amount_cents": 1, "effective_date": "2026-13-01"}]}),
        ),
    ):
        path = tmp_path / name
        path.write_text(text)
        result = cli("sandbox", "seed", "--from", str(path))
        assert result.exit_code == 2
        assert result.stderr.startswith("error: ") and "Traceback" not in result.output
    assert "cards[0].status" in cli("sandbox", "seed", "--from", str(tmp_path / "bad.json")).stderr
    assert "payments[0].effective_date" in cli("sandbox", "seed", "--from", str(tmp_path / "pay.json")).stderr
    with psycopg.connect(sandbox.dsn("main")) as main:
        assert [r[0] for r in main.execute("SELECT id FROM floats ORDER BY id")] == [7, 9]
    missing = cli("sandbox", "seed", "--from", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and "cannot read scenario" in missing.stderr


def _signed_post(sandbox, key: str, body: dict, timeout: float = 5.0):
    import urllib3
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    url = f"{sandbox.services_url}/v1/ach/next-day"
    data = json.dumps(body).encode()
    request = AWSRequest(
        "POST", url, data=data, headers={"Idempotency-Key": key, "Content-Type": "application/json"}
    )
    SigV4Auth(Credentials("testing", "testing"), "execute-api", "us-east-1").add_auth(request)
    return urllib3.request(
        "POST", url, body=data, headers=dict(request.headers), timeout=timeout, retries=False
    )


def test_faults_set_through_the_cli_take_effect_at_once(sandbox, cli):
    body = {"float_id": 1, "user_id": 2, "amount_cents": 300, "effective_date": "2026-11-24"}
    try:
        assert cli("sandbox", "faults", "set", "payments.error_rate=1").exit_code == 0
        assert _signed_post(sandbox, "k-fault-1", body).status == 503
        assert (
            cli(
                "sandbox",
                "faults",
                "set",
                "payments.error_rate=0",
                "payments.throttle_rate=1",
                "payments.retry_after_s=2",
            ).exit_code
            == 0
        )
        throttled = _signed_post(sandbox, "k-fault-1", body)
        assert throttled.status == 429 and throttled.headers["Retry-After"] == "2"
        assert cli("sandbox", "faults", "clear").exit_code == 0
        assert cli("sandbox", "faults", "set", "payments.latency_ms=300").exit_code == 0
        started = time.monotonic()
        assert _signed_post(sandbox, "k-fault-1", body).status == 201
        assert time.monotonic() - started >= 0.3
        bad = cli("sandbox", "faults", "set", "payments.error_rate=2")
        assert bad.exit_code == 2 and "payments.error_rate" in bad.stderr
    finally:
        cli("sandbox", "faults", "clear")


def _run_task(sandbox, command):
    ecs = _client(sandbox, "ecs")
    schedule = _client(sandbox, "scheduler").get_schedule(Name="sandbox-floats-day-before-ach")
    net = schedule["Target"]["EcsParameters"]["NetworkConfiguration"]["awsvpcConfiguration"]
    task = ecs.run_task(
        cluster="sandbox-floats",
        taskDefinition="sandbox-floats-day-before-ach",
        launchType="FARGATE",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": net["Subnets"],
                "securityGroups": net["SecurityGroups"],
                "assignPublicIp": "DISABLED",
            }
        },
        overrides={"containerOverrides": [{"name": "collections-jobs", "command": command}]},
    )["tasks"][0]
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        described = ecs.describe_tasks(cluster="sandbox-floats", tasks=[task["taskArn"]])["tasks"][0]
        seen.append(described["lastStatus"])
        if described["lastStatus"] == "STOPPED":
            return described, seen
        time.sleep(0.2)
    pytest.fail(f"task never stopped: {seen[-5:]}")


@pytest.mark.parametrize(("command", "exit_code"), [(["version"], 0), (["--env", "nope", "version"], 2)])
def test_run_task_runs_a_local_process_and_stops_with_its_exit_code(sandbox, command, exit_code):
    described, seen = _run_task(sandbox, command)
    assert described["containers"][0]["exitCode"] == exit_code
    assert described["desiredStatus"] == "STOPPED" and described["stoppedReason"]
    assert seen[-1] == "STOPPED"
    log = Path(sandbox.directory, "tasks", described["taskArn"].split("/")[-1] + ".log").read_text()
    assert ("floatctl" in log) if exit_code == 0 else ("unknown environment" in log)
