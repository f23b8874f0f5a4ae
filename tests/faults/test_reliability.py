"""The promises of docs/reliability.md, proved against the sandbox with the counts `make test` can afford.

`make reliability` runs the same trials with larger counts and prints the figures.
"""

from __future__ import annotations

from tests.faults import input_trials, run_trials, store_trials
from tests.faults.harness import max_in_window
from tests.faults.input_trials import DATE_COMMANDS


def _assert(figures):
    assert not figures.problems, figures.problems
    assert figures.duplicates == 0, "a float was paid twice"
    assert figures.lost == 0 and figures.extra == 0, (figures.lost, figures.extra)
    assert figures.unaccounted == 0
    assert figures.max_per_second <= figures.rate, f"{figures.max_per_second} submissions in one second"


def test_crash_and_rerun_pays_each_float_once(harness):
    figures = run_trials.crash_and_rerun(harness, kills=20, seed=11)
    _assert(figures)
    assert sum(figures.kills.values()) >= 16, figures.kills  # most runs really died mid-way
    assert {"after_lock", "after_pending", "after_submit"} <= set(figures.kills), figures.kills


def test_concurrent_runs_and_a_launch_during_a_run(harness):
    _assert(run_trials.concurrency(harness))


def test_downstream_faults_end_accounted_and_the_rerun_finishes(harness):
    figures = run_trials.downstream_faults(harness)
    _assert(figures)


def test_sigterm_at_random_moments(harness):
    figures = run_trials.graceful_stop(harness, trials=4)
    _assert(figures)
    assert figures.exit_codes[143] >= 3
    assert max(figures.sigterm_exit_s) <= 25


def test_sigterm_while_dynamodb_drips_and_main_is_locked_exits_in_time(harness):
    figures = store_trials.stalled_stores(harness)
    _assert(figures)
    assert figures.exit_codes[143] == 1 and max(figures.sigterm_exit_s) <= 25


def test_bad_input_corpus(harness, tmp_path):
    figures = input_trials.bad_inputs(harness, tmp_path)
    _assert(figures)
    assert figures.runs >= 20


def test_the_bad_date_trial_covers_every_command_that_takes_a_run_date():
    """A command added with a --date (or a date argument) joins input_trials.DATE_COMMANDS, or this fails."""
    from floatctl.cli import whole_tree

    taking_a_date = {
        path
        for path, command in whole_tree()
        if not hasattr(command, "commands") and {p.name for p in command.params} & {"date_", "from_"}
    }
    tried = {tuple(a for a in args if not a.startswith("--")) for args in DATE_COMMANDS}
    assert taking_a_date == tried


def test_prod_state_changes_need_confirmation(harness):
    figures = input_trials.prod_needs_confirmation(harness)
    assert not figures.problems, figures.problems
    assert figures.faults["tasks started by launch"] == 0


def test_max_in_window_counts_a_sliding_second():
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.5]) == 3
    assert max_in_window([0.0, 1.0, 2.0]) == 1
    assert max_in_window([]) == 0
