"""Issue 16's promises, each with the trial that would break it (small counts; `make reliability` runs more)."""

from __future__ import annotations

from tests.faults import exactly_once as trials
from tests.faults import moved_trials, partner_trials


def _assert(figures):
    assert not figures.problems, figures.problems
    assert figures.duplicates == 0 and figures.extra == 0 and figures.lost == 0, figures
    assert figures.max_per_second <= figures.rate, f"{figures.max_per_second} POSTs in one second"


def test_a_float_changed_on_main_while_it_waits_is_not_debited(harness):
    figures = trials.changed_mid_wait(harness)
    _assert(figures)
    assert figures.faults["paid after the change"] == 0


def test_a_replica_lagging_on_one_field_never_reaches_a_payment(harness):
    _assert(trials.replica_lags_on_one_field(harness))


def test_one_shard_layout_runs_at_a_time(harness):
    _assert(trials.mixed_layouts(harness, pairs=((1, 2), (2, 3))))


def test_lost_dynamodb_replies_do_not_read_as_lost_locks(harness):
    figures = trials.lost_replies(harness)
    _assert(figures)
    assert figures.faults["SKIP_LOCKED by itself"] == 0


def test_a_due_date_moved_after_submission_is_not_paid_again(harness):
    _assert(moved_trials.moved_due_dates(harness, floats=6, sequences=moved_trials.SEQUENCES[:2]))


def test_an_unknown_outcome_blocks_a_moved_due_date_until_read_back(harness):
    figures = moved_trials.unknown_outcome_moved(harness)
    _assert(figures)
    assert figures.faults["stored on Friday"] > 0


def test_a_paused_run_sends_nothing_after_its_leases_lapsed(harness):
    figures = trials.paused_run(harness)
    _assert(figures)
    assert figures.faults["calls from the woken run"] == 0


def test_a_trickling_partner_cannot_hang_the_run_or_its_stop(harness):
    figures = partner_trials.trickling_partner(harness)
    assert not figures.problems, figures.problems
    assert max(figures.sigterm_exit_s) <= 25


def test_partner_answers_are_checked_and_a_409_is_read_back(harness):
    figures = partner_trials.partner_answers(harness)
    assert not figures.problems, figures.problems


def test_refused_inputs_leave_every_store_as_it_was(harness, tmp_path):
    figures = partner_trials.refused_inputs(harness, tmp_path)
    assert not figures.problems, figures.problems
