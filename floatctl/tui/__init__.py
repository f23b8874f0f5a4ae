"""The operator's Textual app (`floatctl tui`). Only `floatctl tui` imports this package."""
