"""The authorizer against real DynamoDB (moto): who may call which project's paths."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from mediaflow import admin
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, authorizer_event


def create_project_doc(name: str) -> dict[str, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert admin.main(["create-project", name, "--json"]) == 0
    return dict(json.loads(out.getvalue()))


def create_project(name: str) -> tuple[str, str]:
    created = create_project_doc(name)
    return created["project_id"], created["token"]


def authorize(project_in_path: str, headers: dict[str, str]) -> dict:
    handler = load_function("authorizer").lambda_handler
    event = authorizer_event("GET", f"/v1/{project_in_path}/videos/x", project_in_path, headers)
    return handler(event, FakeContext())


def test_a_project_token_opens_its_own_paths_only(core_env: MotoStack) -> None:
    project, token = create_project("own")
    for headers in ({"X-Auth-Token": token}, {"Authorization": f"Bearer {token}"}):
        policy = authorize(project, headers)
        (statement,) = policy["policyDocument"]["Statement"]
        assert statement["Effect"] == "Allow"
        assert statement["Resource"] == [
            f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/*/v1/{project}/*",
            f"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/dev/*/v1.0-ext/{project}/*",
        ]
        assert policy["context"]["project_id"] == project
        assert policy["usageIdentifierKey"]


def test_another_projects_path_is_denied(core_env: MotoStack) -> None:
    _, token = create_project("caller")
    other, _ = create_project("victim")
    policy = authorize(other, {"X-Auth-Token": token})
    assert all(s["Effect"] == "Deny" for s in policy["policyDocument"]["Statement"])


@pytest.mark.parametrize(
    "headers", [{}, {"X-Auth-Token": "mf_" + "A" * 43}, {"Authorization": "Bearer nope"}]
)
def test_missing_or_unknown_tokens_are_unauthorized(core_env: MotoStack, headers: dict[str, str]) -> None:
    project, _ = create_project("p")
    with pytest.raises(Exception, match=r"^Unauthorized$"):
        authorize(project, headers)


def test_tokens_are_stored_only_as_hashes(core_env: MotoStack) -> None:
    _, token = create_project("hashed")
    table = core_env.ref("MediaTable")
    items = core_env.client("dynamodb").scan(TableName=table)["Items"]  # test-only inspection
    assert token not in json.dumps(items, default=str)  # access keys hold binary ciphertexts
