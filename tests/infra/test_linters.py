"""checkov over terraform/, hadolint over the Dockerfile, actionlint over the deploy workflow."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.infra.support import REPO, tool

# checkov without a platform account and without the network: no API key, no policy download, no
# guideline mapping, no PyPI update check.
_CHECKOV_OFFLINE_ENV = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "TRUE",
}
_PLATFORM_VARS = ("BC_API_KEY", "PRISMA_API_URL", "CKV_API_KEY")


def _run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=120, env=env)


# Each inline skip is a decision: a new one must be added here too, with the reason in the .tf file.
EXPECTED_SKIPS = {
    ("CKV_AWS_65", "aws_ecs_cluster.floats"),
    ("CKV_AWS_136", "aws_ecr_repository.collections_jobs"),
    ("CKV_AWS_297", "aws_scheduler_schedule.day_before_ach"),
    ("CKV_AWS_297", 'aws_scheduler_schedule.watch["1920"]'),
    ("CKV_AWS_297", 'aws_scheduler_schedule.watch["2015"]'),
    # The signed-off previews bucket (docs/deploy.md "Finance"): no replication, no access-log bucket,
    # no event notifications, SSE-S3 rather than a customer managed key.
    ("CKV_AWS_144", "aws_s3_bucket.signed_off_previews"),
    ("CKV_AWS_18", "aws_s3_bucket.signed_off_previews"),
    ("CKV2_AWS_62", "aws_s3_bucket.signed_off_previews"),
    ("CKV_AWS_145", "aws_s3_bucket.signed_off_previews"),
}


@pytest.fixture(scope="module")
def checkov_report() -> dict:
    """checkov's terraform report over terraform/, run once for this module."""
    env = {k: v for k, v in os.environ.items() if k not in _PLATFORM_VARS} | _CHECKOV_OFFLINE_ENV
    result = _run(
        [
            str(tool("checkov")),
            "-d",
            "terraform",
            "--framework",
            "terraform",
            "--skip-download",
            "--compact",
            "-o",
            "json",
        ],
        env=env,
    )
    assert result.stdout.strip(), (
        f"checkov printed nothing (exit {result.returncode}):\n{result.stderr[-3000:]}"
    )
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    (terraform,) = [r for r in reports if r.get("check_type") == "terraform"]
    return terraform


# checkov's AWS checks encode vendor guidance (e.g. CKV_AWS_336, ECS read-only root file system, from
# https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html "ECS.5"); a skip must say why.
def test_checkov_finds_no_failed_check(checkov_report):
    report = checkov_report
    summary = report["summary"]
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] >= 10 and summary["passed"] > 0, summary  # it really read terraform/
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)


def test_every_checkov_skip_is_inline_with_a_reason(checkov_report):
    skipped = checkov_report["results"]["skipped_checks"]
    assert {(c["check_id"], c["resource"]) for c in skipped} == EXPECTED_SKIPS
    for check in skipped:
        reason = (check.get("check_result") or {}).get("suppress_comment") or ""
        assert len(reason.split()) >= 5, (
            f"{check['check_id']} on {check['resource']} is skipped without a reason"
        )


def test_hadolint_reports_no_error_or_warning():
    result = _run([str(tool("hadolint")), "--no-color", "--format", "json", "Dockerfile"])
    findings = json.loads(result.stdout or "[]")
    serious = [
        f"line {f['line']}: {f['code']} {f['level']}: {f['message']}"
        for f in findings
        if f["level"] in ("error", "warning")
    ]
    assert not serious, "hadolint:\n" + "\n".join(serious)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_is_clean_on_the_deploy_workflow():
    result = _run(
        [
            str(tool("actionlint")),
            "-no-color",
            "-format",
            "{{json .}}",
            "-shellcheck",
            str(tool("shellcheck")),
            ".github/workflows/deploy.yaml",
        ]
    )
    findings = json.loads(result.stdout or "[]")
    messages = [f"{f['filepath']}:{f['line']}:{f['column']} {f['message']} [{f['kind']}]" for f in findings]
    assert not messages, "actionlint:\n" + "\n".join(messages)
    assert result.returncode == 0, result.stdout + result.stderr
