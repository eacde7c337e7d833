"""The cursor key (issue 16) is a per-deployment secret every function that pages can read.

moto does not enforce IAM, so a function missing the permission would only fail once deployed:
this checks the template itself. Any function that can reach the table may page through it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from local.cfn import load_yaml

TEMPLATE = load_yaml(Path(__file__).resolve().parents[2] / "template.yaml")
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]


def test_the_key_is_generated_per_deployment_and_given_to_every_function() -> None:
    key = RESOURCES["CursorKey"]
    assert key["Type"] == "AWS::SecretsManager::Secret"
    assert key["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    assert "SecretString" not in key["Properties"]  # never a value written in the template
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    assert env["MEDIAFLOW_CURSOR_KEY_ARN"] == {"Ref": "CursorKey"}


def test_every_function_that_reaches_the_table_can_read_the_key() -> None:
    for logical, resource in RESOURCES.items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        if "Role" in props:
            role = RESOURCES[props["Role"]["Fn::GetAtt"][0]]
            statements = [s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]]
            assert any(
                s["Action"] == "secretsmanager:GetSecretValue" and s["Resource"] == {"Ref": "CursorKey"}
                for s in statements
            ), logical
            continue
        policies = props.get("Policies") or []
        names = {name for policy in policies if isinstance(policy, dict) for name in policy}
        if names & {"DynamoDBReadPolicy", "DynamoDBCrudPolicy"}:
            granted = [
                p for p in policies if isinstance(p, dict) and "AWSSecretsManagerGetSecretValuePolicy" in p
            ]
            assert granted == [
                {"AWSSecretsManagerGetSecretValuePolicy": {"SecretArn": {"Ref": "CursorKey"}}}
            ], logical
