"""Scheduler's PascalCase target turned into RunTask's camelCase, and the launch's client token."""

from datetime import date

import pytest

from jobs.errors import ConfigError
from jobs.oncall.run_task import client_token, network_configuration


def test_network_configuration_is_camel_cased():
    target = {
        "EcsParameters": {
            "NetworkConfiguration": {
                "awsvpcConfiguration": {
                    "Subnets": ["a"],
                    "SecurityGroups": ["sg"],
                    "AssignPublicIp": "DISABLED",
                }
            }
        }
    }
    assert network_configuration(target) == {
        "awsvpcConfiguration": {"subnets": ["a"], "securityGroups": ["sg"], "assignPublicIp": "DISABLED"}
    }
    with pytest.raises(ConfigError):
        network_configuration({"EcsParameters": {}})


def test_client_token_is_deterministic_and_within_ecs_limits():
    token = client_token("prod", date(2026, 11, 23), 2)
    assert token == client_token("prod", date(2026, 11, 23), 2) != client_token("prod", date(2026, 11, 23), 3)
    assert len(token) <= 64
