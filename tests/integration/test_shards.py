"""Scale-out: N shards pay exactly the single-run set, once each, within the partner's rate together."""

from __future__ import annotations

from tests import scenarios
from tests.faults.harness import max_in_window


def test_four_shards_pay_the_single_run_set_within_the_rate(harness):
    harness.load(scenarios.mixed(100, seed=17))
    expected, _ = harness.expected()
    procs = [
        harness.start("run", "day-before-ach", "--shard-index", str(i), "--shard-count", "4", rate=20)
        for i in range(4)
    ]
    results = [harness.finish(p) for p in procs]
    assert [code for code, _, _ in results] == [0, 0, 0, 0], [err[-300:] for _, _, err in results]
    paid = harness.paid()
    assert {f for f, _ in paid} == expected and set(paid.values()) == {1}
    assert max_in_window(harness.request_times()) <= 20
    shares = [summary["counts"].get("SUBMITTED", 0) for _, summary, _ in results]
    assert sum(shares) == len(expected) and all(shares)


def test_a_bad_shard_index_is_a_usage_error(cli):
    result = cli("run", "day-before-ach", "--shard-index", "4", "--shard-count", "4")
    assert result.exit_code == 2 and "--shard-count" in result.stderr
