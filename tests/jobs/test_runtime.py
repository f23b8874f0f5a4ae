"""The runtime has every member the Protocols of the finance and on-call packages name."""

from __future__ import annotations

import inspect

import pytest

from jobs.finance.ports import FinanceRuntime
from jobs.oncall.ports import OncallRuntime, PreflightRuntime
from jobs.runtime import Runtime


@pytest.mark.parametrize("protocol", [FinanceRuntime, OncallRuntime, PreflightRuntime])
def test_the_runtime_has_every_member_the_protocols_name(protocol):
    for cls in protocol.__mro__:
        if cls in (object,) or not getattr(cls, "_is_protocol", False):
            continue
        for name, member in vars(cls).items():
            if name.startswith("_") or not callable(member):
                continue
            wanted = list(inspect.signature(member).parameters)
            assert list(inspect.signature(getattr(Runtime, name)).parameters) == wanted, (protocol, name)
        assert "settings" in Runtime.__dataclass_fields__
