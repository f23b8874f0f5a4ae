"""Telemetry as an outcome observer, and redaction."""
