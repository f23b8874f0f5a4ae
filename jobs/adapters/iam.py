"""IAM SimulatePrincipalPolicy: may a role make these calls? Preflight asks it; nothing is changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jobs.adapters.aws_errors import AwsError, translated

# Who may not simulate, or an endpoint that cannot (moto has no SimulatePrincipalPolicy): not a failure.
SIMULATION_UNAVAILABLE = frozenset(
    {"AccessDenied", "AccessDeniedException", "NotImplemented", "InvalidAction", "UnknownOperationException"}
)


class SimulationUnavailable(AwsError):
    """This caller or endpoint cannot simulate (no permission to, or no such API here)."""


@dataclass(frozen=True)
class Decision:
    """One simulated call.

    https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html: EvalDecision,
    "The result of the simulation." Valid Values: allowed | explicitDeny | implicitDeny.
    """

    action: str
    resource: str
    decision: str

    @property
    def allowed(self) -> bool:
        return self.decision == "allowed"


class PolicySimulator:
    def __init__(self, iam: Any) -> None:
        self.iam = iam

    def simulate(
        self,
        role_arn: str,
        actions: Iterable[str],
        resource: str,
        context: list[dict[str, Any]] | None = None,
    ) -> list[Decision]:
        """SimulatePrincipalPolicy of `actions` on `resource` with the condition `context` entries.

        https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html ContextEntries:
        "A list of context keys and corresponding values for the simulation to use. Whenever a context key
        is evaluated in one of the simulated IAM permissions policies, the corresponding value is supplied."
        SimulationUnavailable when this caller or endpoint cannot simulate.
        """
        request: dict[str, Any] = {
            "PolicySourceArn": role_arn,
            "ActionNames": list(actions),
            "ResourceArns": [resource],
        }
        if context:
            request["ContextEntries"] = context
        found: list[Decision] = []
        try:
            with translated("cannot simulate"):
                for page in self.iam.get_paginator("simulate_principal_policy").paginate(**request):
                    found += [
                        Decision(r["EvalActionName"], r.get("EvalResourceName", "*"), r["EvalDecision"])
                        for r in page["EvaluationResults"]
                    ]
        except AwsError as exc:
            if exc.code in SIMULATION_UNAVAILABLE or _not_implemented(exc):
                raise SimulationUnavailable(exc.message, code=exc.code, status=exc.status) from None
            raise
        return found


def _not_implemented(exc: AwsError) -> bool:
    return exc.status in (404, 501) or "not yet implemented" in exc.message.lower()
