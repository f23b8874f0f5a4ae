"""Reusable widgets of the operator TUI."""
