"""CLI hints in the TUI's own words: the jobs layer speaks in commands and flags, the app in keys.

One table, applied to every error line and to the status advice, so a hint on screen never says
`--force` where the operator has a force box to tick.
"""

from __future__ import annotations

import re

# Ordered: the longer command forms first, so `launch ... --after-cutoff` is not read as two hints.
TUI_WORDS: tuple[tuple[str, str], ...] = (
    (
        r"floatctl launch day-before-ach --after-cutoff",
        "the Launch screen (press F5), ticking 'after the 21:00 ET cutoff'",
    ),
    (r"floatctl launch day-before-ach(?: --wait)?", "the Launch screen (press F5)"),
    # jobs.oncall.diagnosis.command_for: `recover` for one night, which in the TUI is the Launch screen
    # (it shows the same refusal or go-ahead, from the same jobs.oncall.policy).
    (
        r'floatctl recover day-before-ach --date \S+ --after-cutoff(?: --reason "<why>")? --wait',
        "the Launch screen (press F5), ticking 'after the 21:00 ET cutoff'",
    ),
    (
        r'floatctl recover day-before-ach --date \S+(?: --reason "<why>")? --wait',
        "the Launch screen (press F5)",
    ),
    (r"floatctl schedule resume --reason …", "press p on the Status screen"),
    (r"(?:pass )?--after-cutoff", "tick 'after the 21:00 ET cutoff'"),
    (r"(?:pass )?--force", "tick force"),
    (r"run floatctl locks show \S+ again", "press r to read the locks again"),
    (r"(?:watch |keep watching with )?floatctl status(?: --date \S+)?", "watch the Status screen (press F1)"),
)
_PATTERNS = tuple((re.compile(pattern), words) for pattern, words in TUI_WORDS)


def tui_words(text: str) -> str:
    """`text` with every CLI command or flag it names replaced by the key or box that does it here."""
    for pattern, words in _PATTERNS:
        text = pattern.sub(words, text)
    return text
