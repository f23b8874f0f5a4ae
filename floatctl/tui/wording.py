"""CLI hints in the TUI's own words: the jobs layer speaks in commands and flags, the app in keys.

One table, applied to every error line and to the status advice, so a hint on screen never says
`--force` where the operator has a force box to tick.
"""

from __future__ import annotations

import re

# The optional parts of jobs.oncall.commands' lines: the TUI acts on its own environment, and asks for
# the reason and the approver in its confirm dialog.
_ENV = r"(?:--env \S+ )?"
_ASKED = r'(?: --reason "<why>")?(?: --approved-by "<name>")?'
_LATE = "the Launch screen (press F5), ticking 'after the 21:00 ET cutoff'"

# Ordered: the longer command forms first, so `launch ... --after-cutoff` is not read as two hints.
TUI_WORDS: tuple[tuple[str, str], ...] = (
    (rf"floatctl {_ENV}launch day-before-ach(?: --date \S+)? --after-cutoff{_ASKED}(?: --wait)?", _LATE),
    (
        rf"floatctl {_ENV}launch day-before-ach(?: --date \S+)?{_ASKED}(?: --wait)?",
        "the Launch screen (press F5)",
    ),
    # jobs.oncall.diagnosis.command_for: `recover` for one night, which in the TUI is the Launch screen
    # (it shows the same refusal or go-ahead, from the same jobs.oncall.policy).
    (rf"floatctl {_ENV}recover day-before-ach --date \S+ --after-cutoff{_ASKED} --wait", _LATE),
    (rf"floatctl {_ENV}recover day-before-ach --date \S+{_ASKED} --wait", "the Launch screen (press F5)"),
    (rf'floatctl {_ENV}schedule resume --reason (?:…|"<why>")', "press p on the Status screen"),
    (r"(?:pass )?--after-cutoff", "tick 'after the 21:00 ET cutoff'"),
    (r"(?:pass )?--force", "tick force"),
    (rf"run floatctl {_ENV}locks show \S+ again", "press r to read the locks again"),
    (
        rf"(?:watch |keep watching with )?floatctl {_ENV}status(?: --date \S+)?",
        "watch the Status screen (press F1)",
    ),
    (r"--reason is required", "a reason is required"),
    (r"--approved-by NAME is required", "the approver's name is required"),
)
_PATTERNS = tuple((re.compile(pattern), words) for pattern, words in TUI_WORDS)


def tui_words(text: str) -> str:
    """`text` with every CLI command or flag it names replaced by the key or box that does it here."""
    for pattern, words in _PATTERNS:
        text = pattern.sub(words, text)
    return text
