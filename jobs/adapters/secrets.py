"""Secrets Manager for preflight: the RDS secrets themselves, and each secret's full ARN."""

from __future__ import annotations

from typing import Any

from jobs.adapters.aws_errors import translated
from jobs.adapters.postgres import DbSecret, load_secrets


class Secrets:
    def __init__(self, secretsmanager: Any) -> None:
        self.secretsmanager = secretsmanager

    def databases(self, main: str, replica: str) -> tuple[DbSecret, DbSecret]:
        """Both RDS secrets, parsed (one BatchGetSecretValue)."""
        return load_secrets(self.secretsmanager, main, replica)

    def arn(self, name: str) -> str:
        """The secret's full ARN: AWS appends a random suffix to the name, so a grant names the ARN."""
        with translated(f"cannot describe secret {name!r}"):
            return self.secretsmanager.describe_secret(SecretId=name)["ARN"]
