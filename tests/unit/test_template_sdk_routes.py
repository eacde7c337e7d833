"""Template rules the vendors' SDKs depend on (checked here because AWS, not moto, enforces them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from local.cfn import load_yaml

REPO = Path(__file__).resolve().parents[2]
DOC = load_yaml(REPO / "template.yaml")
RESOURCES: dict[str, Any] = DOC["Resources"]
BODY_METHODS = {"POST", "PUT", "PATCH", "ANY"}


def _api_functions_with_a_body() -> list[str]:
    found = []
    for logical, resource in RESOURCES.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        events = (resource.get("Properties") or {}).get("Events") or {}
        methods = {str(e["Properties"]["Method"]).upper() for e in events.values() if e.get("Type") == "Api"}
        if methods & BODY_METHODS:
            found.append(logical)
    return sorted(found)


def _may_decrypt(props: dict[str, Any]) -> bool:
    """A KMSDecryptPolicy on the access-key key, or a role whose policy allows kms:Decrypt on it."""
    for policy in props.get("Policies") or []:
        if isinstance(policy, dict) and policy.get("KMSDecryptPolicy", {}).get("KeyId") == {
            "Ref": "AccessKeyKmsKey"
        }:
            return True
    role = props.get("Role")
    if isinstance(role, dict) and "Fn::GetAtt" in role:
        name = (
            role["Fn::GetAtt"][0]
            if isinstance(role["Fn::GetAtt"], list)
            else role["Fn::GetAtt"].split(".")[0]
        )
        for policy in RESOURCES[name]["Properties"].get("Policies") or []:
            for statement in policy["PolicyDocument"]["Statement"]:
                if statement.get("Action") == "kms:Decrypt" and "AccessKeyKmsKey" in str(
                    statement.get("Resource")
                ):
                    return True
    return False


@pytest.mark.parametrize("function_id", _api_functions_with_a_body())
def test_functions_that_read_a_body_can_finish_a_deferred_signature(function_id: str) -> None:
    """A Huawei JSON body or an Alibaba RPC form is verified in the function, with the secret."""
    assert _may_decrypt(RESOURCES[function_id]["Properties"])


def test_the_authorizer_decrypts_and_writes_the_replay_store() -> None:
    props = RESOURCES["AuthorizerFunction"]["Properties"]
    assert _may_decrypt(props)
    assert "dynamodb:PutItem" in str(props["Policies"])


def test_refusals_print_the_authorizer_s_error_body() -> None:
    responses = RESOURCES["MediaflowApi"]["Properties"]["GatewayResponses"]
    assert (
        responses["ACCESS_DENIED"]["ResponseTemplates"]["application/json"]
        == "$context.authorizer.error_body"
    )


def test_each_alibaba_rpc_route_is_one_action_on_post() -> None:
    routes = [
        (e["Properties"]["Path"], e["Properties"]["Method"])
        for r in RESOURCES.values()
        if r.get("Type") == "AWS::Serverless::Function"
        for e in ((r.get("Properties") or {}).get("Events") or {}).values()
        if e.get("Type") == "Api" and str(e["Properties"]["Path"]).startswith("/acs/")
    ]
    assert sorted(routes) == sorted(
        (f"/acs/{a}", "POST")
        for a in (
            "CreateUploadVideo",
            "RefreshUploadVideo",
            "GetVideoInfo",
            "UploadMediaByURL",
            "GetURLUploadInfos",
        )
    )
