"""Settings hold every knob: flag > environment variable > default, one conversion, one-line errors."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from jobs.errors import UsageError
from jobs.finance.preview import preview_options
from jobs.settings import Settings, bounds, field_help

KNOBS = {
    "payment_submit_rate": 5.0,
    "workers": 5,
    "page_size": 50,
    "channel_buffer": 0,
    "max_ach_attempts": 3,
    "shard_index": 0,
    "shard_count": 1,
}


def test_defaults_are_the_seeds():
    settings = Settings.load({})
    assert settings.knobs() == KNOBS and settings.preview_workers == 16


def test_environment_then_flag():
    env = {
        "FLOATCTL_PAYMENT_SUBMIT_RATE": "2.5",
        "FLOATCTL_WORKERS": "7",
        "FLOATCTL_CHANNEL_BUFFER": "0",
        "FLOATCTL_MAX_ACH_ATTEMPTS": "2",
        "FLOATCTL_SHARD_INDEX": "1",
        "FLOATCTL_SHARD_COUNT": "3",
        "FLOATCTL_PREVIEW_WORKERS": "4",
    }
    settings = Settings.load(env)
    knobs = settings.knobs()
    assert knobs["payment_submit_rate"] == 2.5 and knobs["workers"] == 7 and knobs["max_ach_attempts"] == 2
    assert (knobs["shard_index"], knobs["shard_count"], knobs["channel_buffer"]) == (1, 3, 0)
    assert settings.knobs(max_ach_attempts=5, workers=None)["max_ach_attempts"] == 5
    assert settings.knobs(workers=None)["workers"] == 7  # an absent flag keeps the environment's
    with pytest.raises(TypeError):
        settings.knobs(speed=3)


def test_the_preview_covers_the_whole_window_with_its_own_workers():
    settings = Settings.load({"FLOATCTL_SHARD_INDEX": "1", "FLOATCTL_SHARD_COUNT": "3"})
    options = preview_options(settings, date(2026, 11, 20))
    assert (options.shard_index, options.shard_count, options.workers) == (0, 1, 16)
    assert preview_options(settings, date(2026, 11, 20), workers=3).workers == 3


@pytest.mark.parametrize(
    ("var", "text", "message"),
    [
        ("FLOATCTL_WORKERS", "0", "workers must be between 1 and 256"),
        ("FLOATCTL_WORKERS", "2.5", "workers must be a whole number"),
        ("FLOATCTL_WORKERS", "100000", "workers must be between 1 and 256"),
        ("FLOATCTL_PAGE_SIZE", "99999999", "page_size must be between 1 and 10000"),
        ("FLOATCTL_CHANNEL_BUFFER", "-1", "channel_buffer must be between 0 and 10000"),
        ("FLOATCTL_SHARD_COUNT", "65", "shard_count must be between 1 and 64"),
        ("FLOATCTL_HTTP_READ_TIMEOUT_S", "inf", "http_read_timeout_s must be between"),
        ("FLOATCTL_HTTP_READ_TIMEOUT_S", "nan", "http_read_timeout_s must be between"),
        ("FLOATCTL_JOB_LEASE_S", "1e9", "job_lease_s must be between 3 and 3600"),
        ("FLOATCTL_PAYMENT_SUBMIT_RATE", "fast", "payment_submit_rate must be a number"),
        ("FLOATCTL_PAYMENT_SUBMIT_RATE", "1e9", "outside 0.01..1000"),
    ],
)
def test_bad_values_are_usage_errors(var, text, message):
    with pytest.raises(UsageError, match=message):
        Settings.load({var: text})


def _numeric_fields():
    return [f.name for f in fields(Settings) if isinstance(f.default, int | float) and f.metadata.get("var")]


@pytest.mark.parametrize("name", _numeric_fields())
def test_every_numeric_setting_has_both_bounds_and_its_edges_load(name):
    lowest, highest = bounds(name)
    var = next(f.metadata["var"] for f in fields(Settings) if f.name == name)
    for edge in (lowest, highest):
        assert getattr(Settings.load({var: str(edge)}), name) == edge
    with pytest.raises(UsageError):
        Settings.load({var: str(highest * 10 + 1)})


def test_each_flag_has_the_bounds_of_its_variable():
    """One bound rule: a knob's flag (run, preview) refuses exactly what its environment variable refuses."""
    from floatctl.cli import whole_tree

    tree = dict(whole_tree())
    checked = set()
    for path in (("run", "day-before-ach"), ("preview",)):
        sub = tree[path]
        for param in sub.params:
            # The rate's flag checks with rate_problem, the function its variable is checked with.
            if param.name in set(_numeric_fields()) - {"payment_submit_rate"}:
                field = "preview_workers" if path == ("preview",) and param.name == "workers" else param.name
                assert (param.min, param.max) == bounds(field), (path, param.name)
                checked.add(field)
    assert {
        "workers",
        "page_size",
        "channel_buffer",
        "max_ach_attempts",
        "shard_index",
        "shard_count",
    } <= checked


def test_flag_help_names_the_default_and_the_variable():
    assert field_help("max_ach_attempts").endswith("(default 3; env FLOATCTL_MAX_ACH_ATTEMPTS)")
