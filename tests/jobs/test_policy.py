"""The prod reason rule, one function for every face (launch, recover, the TUI's launch dialog)."""

from __future__ import annotations

import pytest

from jobs.errors import UsageError
from jobs.oncall.policy import check_reason, reason_required


@pytest.mark.parametrize("env", ["sandbox", "test"])
def test_outside_prod_a_reason_is_optional(env):
    assert not reason_required(env)
    assert check_reason(env, None, "launch") is None and check_reason(env, "  why ", "launch") == "why"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_prod_refuses_a_missing_or_blank_reason(reason):
    assert reason_required("prod")
    with pytest.raises(UsageError, match="--reason is required in prod: say why you recover"):
        check_reason("prod", reason, "recover")
    assert check_reason("prod", " OOM at 19:04 ", "recover") == "OOM at 19:04"
