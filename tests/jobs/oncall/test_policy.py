"""The operator policy, one function per rule for every face (CLI commands, TUI dialogs, the jobs
functions that act): the reason, the late approver, and when to ask to confirm."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from jobs.domain.calendar import NEW_YORK
from jobs.errors import ConfirmationNeeded, UsageError
from jobs.oncall import policy
from jobs.oncall.policy import ACTIONS, check_approval, check_reason, reason_required

ALWAYS = ("stop", "schedule.pause", "schedule.resume", "lock.release")
PROD_ONLY = ("launch", "recover")


def test_every_action_is_in_the_table():
    assert set(ACTIONS) == set(ALWAYS) | set(PROD_ONLY)


@pytest.mark.parametrize("env", ["sandbox", "test"])
@pytest.mark.parametrize("action", PROD_ONLY)
def test_outside_prod_a_launch_reason_is_optional(env, action):
    assert not reason_required(env, action)
    assert check_reason(env, action, None) is None and check_reason(env, action, "  why ") == "why"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_prod_refuses_a_missing_or_blank_reason(reason):
    assert reason_required("prod", "recover")
    with pytest.raises(UsageError, match="--reason is required in prod: say why you recover"):
        check_reason("prod", "recover", reason)
    assert check_reason("prod", "recover", " OOM at 19:04 ") == "OOM at 19:04"


@pytest.mark.parametrize("env", ["sandbox", "test", "prod"])
@pytest.mark.parametrize("action", ALWAYS)
@pytest.mark.parametrize("reason", [None, "", "  "])
def test_stopping_pausing_and_freeing_a_lock_always_say_why(env, action, reason):
    assert reason_required(env, action)
    doing = ACTIONS[action][0]
    with pytest.raises(UsageError, match=f"^--reason is required: say why you {doing} "):
        check_reason(env, action, reason)
    assert check_reason(env, action, " held for finance ") == "held for finance"


def test_an_unknown_action_is_a_bug_not_a_pass():
    with pytest.raises(KeyError):
        check_reason("sandbox", "launc", None)


def test_late_means_at_or_after_the_cutoff_of_the_run_date():
    friday = date(2026, 11, 20)
    assert not policy.past_cutoff(friday, datetime(2026, 11, 20, 20, 59, tzinfo=NEW_YORK))
    assert policy.past_cutoff(friday, datetime(2026, 11, 20, 21, 0, tzinfo=NEW_YORK))
    assert policy.past_cutoff(friday, datetime(2026, 11, 21, 1, 47, tzinfo=NEW_YORK))


@pytest.mark.parametrize(
    ("env", "late", "required"),
    [("prod", True, True), ("prod", False, False), ("sandbox", True, False), ("test", True, False)],
)
def test_a_late_prod_launch_names_its_approver(env, late, required):
    assert policy.approval_required(env, late) is required
    if required:
        with pytest.raises(UsageError, match="--approved-by NAME is required"):
            check_approval(env, "  ", late)
    else:
        assert check_approval(env, None, late) is None
    assert check_approval(env, " Dana Ortiz ", late) == "Dana Ortiz"


@pytest.mark.parametrize(
    ("env", "yes", "interactive", "expected"),
    [
        ("prod", True, False, None),  # --yes: automation, no question
        ("sandbox", True, True, None),
        ("prod", False, True, "[PROD] stop?"),  # prod is shouted
        ("test", False, True, "[test] stop?"),
    ],
)
def test_when_to_ask_before_a_state_change(env, yes, interactive, expected):
    assert policy.confirmation_prompt(env, "stop?", yes, interactive) == expected


def test_no_terminal_and_no_yes_is_exit_4_not_a_silent_go():
    with pytest.raises(ConfirmationNeeded, match="needs confirmation: run it in a terminal or pass --yes"):
        policy.confirmation_prompt("sandbox", "stop?", yes=False, interactive=False)
    assert ConfirmationNeeded.exit_code == 4


def test_the_jobs_functions_that_act_apply_the_reason_rule_themselves():
    """No face can skip it: each refuses a blank reason before it touches anything (the runtime here
    has settings only, so any AWS call would fail with another error)."""
    from types import SimpleNamespace

    from jobs.oncall.locks import release_lock
    from jobs.oncall.schedule_control import set_schedule_state
    from jobs.oncall.stop import StopPlan, stop_tasks

    runtime = SimpleNamespace(settings=SimpleNamespace(env="sandbox"))
    with pytest.raises(UsageError, match="say why you stop the run"):
        stop_tasks(runtime, StopPlan(date(2026, 11, 20), None, ["arn:task"], "me"), " ")
    with pytest.raises(UsageError, match="say why you pause the schedule"):
        set_schedule_state(runtime, "pause", "")
    with pytest.raises(UsageError, match="say why you release the lock"):
        release_lock(runtime, None, "", "me", 0.0)
