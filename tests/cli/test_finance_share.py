"""Finance and on-call share the night: signed-off previews in the shared bucket (moto's S3 in the
sandbox), and one summary per finished run on the finance topic."""

from __future__ import annotations

import json
import re

from tests import scenarios
from tests.scenarios import RUN_DATE

DATE = RUN_DATE.isoformat()
BUCKET = "sandbox-floats-signed-off-previews"  # made by the sandbox, named as terraform names test's


def _summaries(cli):
    return json.loads(cli("-o", "json", "sandbox", "alerts", "--finance").stdout)


def test_a_preview_saved_to_the_bucket_is_what_diff_and_the_summary_read(
    sandbox, load, cli, app_context, monkeypatch
):
    load(scenarios.mixed(6, seed=71))
    saved = cli("preview", "--date", DATE, "--save")
    assert saved.exit_code == 0 and f"saved s3://{BUCKET}/previews/sandbox-{DATE}-" in saved.stderr
    s3 = app_context.aws().client("s3")
    key = re.search(rf"saved s3://{BUCKET}/(\S+)", saved.stderr)[1]
    assert key in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="previews/")["Contents"]]

    run = cli("-o", "json", "run", "day-before-ach", "--date", DATE, "--payment-submit-rate", "50")
    run_id = json.loads(run.stdout)["run_id"]
    diff = json.loads(cli("-o", "json", "diff", "--run", run_id).stdout)
    assert diff["preview"] == f"s3://{BUCKET}/{key}"
    assert {f["status"] for f in diff["floats"]} == {"same"}

    (summary,) = [m for m in _summaries(cli) if run_id in m["message"]]
    assert summary["subject"].startswith(f"floatctl sandbox day-before-ach {DATE}: SUCCEEDED")
    assert f"against the signed-off preview s3://{BUCKET}/{key}: delta +0 ACH" in summary["message"]

    document = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    document["totals"]["SUBMIT_ACH"]["count"] += 1  # someone edits the signed-off copy
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())
    refused = cli("diff", "--run", run_id)
    assert refused.exit_code == 2 and "changed after it was saved" in refused.stderr


def test_a_run_with_failures_and_no_signed_off_preview_still_tells_finance(sandbox, load, cli, monkeypatch):
    load(scenarios.mixed(6, seed=72, run_date=RUN_DATE.replace(day=18)))
    assert cli("sandbox", "faults", "set", "payments.error_rate=1.0").exit_code == 0
    run = cli("-o", "json", "run", "day-before-ach", "--date", "2026-11-18", "--payment-submit-rate", "50")
    assert run.exit_code == 1
    run_id = json.loads(run.stdout)["run_id"]
    (summary,) = [m for m in _summaries(cli) if run_id in m["message"]]
    assert ": FAILED, 0 ACH payments $0.00," in summary["subject"] and "FAILED floats: " in summary["message"]
    assert "no signed-off preview was saved for this run date" in summary["message"]


def test_a_run_launched_through_ecs_tells_finance_and_diffs_against_the_bucket(
    sandbox, load, cli, app_context, monkeypatch
):
    from floatctl_sandbox.app_environment import app_environment
    from jobs.domain.calendar import due_window

    # The task definition the sandbox registered carries what terraform's does (bucket, finance topic).
    ecs = app_context.aws().client("ecs")
    task_def = ecs.describe_task_definition(taskDefinition=app_context.settings.task_family)["taskDefinition"]
    (app,) = [c for c in task_def["containerDefinitions"] if c["name"] == "collections-jobs"]
    assert {e["name"]: e["value"] for e in app["environment"]} == app_environment(app_context.settings)

    monkeypatch.setenv("FLOATCTL_NOW", "2026-11-20T19:31:00-05:00")  # the fire was missed
    load(scenarios.mixed(6, seed=73))
    saved = cli("preview", "--date", DATE, "--save")
    assert saved.exit_code == 0, saved.stderr
    where = next(w for w in saved.stderr.split() if w.startswith(f"s3://{BUCKET}/previews/"))

    launched = cli(
        "-o", "json", "launch", "day-before-ach", "--date", DATE, "--yes", "--wait", "--poll", "0.3"
    )
    assert launched.exit_code == 0, launched.stderr
    task_arn = json.loads(launched.stdout)["task_arn"]
    (run,) = [
        r for r in app_context.runtime().history().runs(due_window(RUN_DATE).end) if r.task_arn == task_arn
    ]

    (summary,) = [m for m in _summaries(cli) if run.run_id in m["message"]]
    assert summary["subject"].startswith(f"floatctl sandbox day-before-ach {DATE}: SUCCEEDED")
    assert f"against the signed-off preview {where}: delta +0 ACH" in summary["message"]
    diff = json.loads(cli("-o", "json", "diff", "--run", run.run_id).stdout)
    assert diff["preview"] == where and {f["status"] for f in diff["floats"]} == {"same"}
