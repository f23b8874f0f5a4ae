"""Settings hold every knob: flag > environment variable > default, one conversion, one-line errors."""

from __future__ import annotations

from datetime import date

import pytest

from jobs.errors import UsageError
from jobs.finance.preview import preview_options
from jobs.settings import Settings, field_help

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
        ("FLOATCTL_WORKERS", "0", "workers must be positive"),
        ("FLOATCTL_WORKERS", "2.5", "workers must be a whole number"),
        ("FLOATCTL_CHANNEL_BUFFER", "-1", "channel_buffer must be at least 0"),
        ("FLOATCTL_PAYMENT_SUBMIT_RATE", "fast", "payment_submit_rate must be a number"),
    ],
)
def test_bad_values_are_usage_errors(var, text, message):
    with pytest.raises(UsageError, match=message):
        Settings.load({var: text})


def test_flag_help_names_the_default_and_the_variable():
    assert field_help("max_ach_attempts").endswith("(default 3; env FLOATCTL_MAX_ACH_ATTEMPTS)")
