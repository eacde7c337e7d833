"""Local API Gateway rules (no sockets): route matching, authorizer policy evaluation, authorizer
outcomes, usage-plan token buckets, gateway responses and the v1 proxy payload."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local import apigw
from local.views import Api, GatewayResponse, Route

# ---------------------------------------------------------------- routing
ROUTES = [
    Route("Create", "e", "/v1/{project_id}/videos", "POST", "Api"),
    Route("Get", "e", "/v1/{project_id}/videos/{VideoId}", "GET", "Api"),
    Route("Special", "e", "/v1/{project_id}/videos/latest", "GET", "Api"),
    Route("Any", "e", "/v1/{project_id}/files/{proxy+}", "ANY", "Api"),
]


@pytest.mark.parametrize(
    ("method", "path", "function", "params"),
    [
        ("POST", "/v1/p1/videos", "Create", {"project_id": "p1"}),
        ("GET", "/v1/p1/videos/abc", "Get", {"project_id": "p1", "VideoId": "abc"}),
        ("GET", "/v1/p1/videos/latest", "Special", {"project_id": "p1"}),
        ("GET", "/v1/p%201/videos/a%2Fb", "Get", {"project_id": "p 1", "VideoId": "a/b"}),
        ("DELETE", "/v1/p1/files/a/b/c", "Any", {"project_id": "p1", "proxy": "a/b/c"}),
    ],
)
def test_route_matching_prefers_literal_segments(
    method: str, path: str, function: str, params: dict[str, str]
) -> None:
    matched = apigw.match_route(ROUTES, method, path)
    assert matched is not None
    assert (matched[0].function_id, matched[1]) == (function, params)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/p1/videos"),
        ("POST", "/v1/p1/videos/x"),
        ("GET", "/v1/p1/videos/x/y"),
        ("GET", "/v1/p1/files"),
    ],
)
def test_unmatched_method_or_path_has_no_route(method: str, path: str) -> None:
    assert apigw.match_route(ROUTES, method, path) is None


def test_method_arn_has_the_api_gateway_shape() -> None:
    assert apigw.method_arn("abc123", "dev", "get", "/v1/p1/videos") == (
        "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/p1/videos"
    )


# ---------------------------------------------------------------- authorizer policies
ARN = "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/GET/v1/p1/videos/x"


def policy(*statements: tuple[str, Any]) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": effect, "Action": "execute-api:Invoke", "Resource": resource}
            for effect, resource in statements
        ],
    }


@pytest.mark.parametrize(
    ("document", "verdict"),
    [
        (policy(("Allow", ARN)), "allow"),
        (policy(("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*/v1/p1/*")), "allow"),
        (policy(("Allow", "arn:aws:execute-api:*:*:abc123/?ev/GET/*")), "allow"),
        (policy(("Allow", ["arn:other", ARN])), "allow"),
        (
            policy(("Allow", "arn:aws:execute-api:us-east-1:123456789012:abc123/dev/*/v1/p2/*")),
            "implicit-deny",
        ),
        (policy(("Allow", "*"), ("Deny", "arn:aws:execute-api:*:*:abc123/*/GET/v1/p1/*")), "deny"),
        ({"Statement": {"Effect": "Allow", "Action": "execute-api:*", "Resource": ARN}}, "allow"),
        ({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}, "implicit-deny"),
        ({"Statement": []}, "implicit-deny"),
    ],
)
def test_policy_evaluation_is_iam_like(document: dict[str, Any], verdict: str) -> None:
    assert apigw.evaluate_policy(document, ARN) == verdict


def test_authorizer_outcomes_map_to_gateway_responses() -> None:
    allow = {
        "principalId": "p",
        "policyDocument": policy(("Allow", ARN)),
        "context": {"n": 3, "b": False, "s": "x", "none": None},
        "usageIdentifierKey": "k",
    }
    admitted = apigw.decide(None, allow, ARN)
    assert admitted.response_type is None
    assert (admitted.context, admitted.usage_key) == ({"n": "3", "b": "false", "s": "x", "none": None}, "k")
    assert apigw.decide({"errorMessage": "Unauthorized"}, None, ARN).response_type == "UNAUTHORIZED"
    assert apigw.decide(None, "Unauthorized", ARN).response_type == "UNAUTHORIZED"
    assert apigw.decide({"errorMessage": "boom"}, None, ARN).response_type == "AUTHORIZER_FAILURE"
    assert apigw.decide(None, {"principalId": "p"}, ARN).response_type == "AUTHORIZER_CONFIGURATION_ERROR"
    nested = {**allow, "context": {"obj": {"a": 1}}}
    assert apigw.decide(None, nested, ARN).response_type == "AUTHORIZER_CONFIGURATION_ERROR"
    denied = apigw.decide(None, {**allow, "policyDocument": policy(("Deny", ARN))}, ARN)
    assert (denied.response_type, denied.message) == ("ACCESS_DENIED", apigw.EXPLICIT_DENY)


# ---------------------------------------------------------------- throttling and responses
def test_token_bucket_allows_the_burst_then_the_rate() -> None:
    bucket = apigw.TokenBucket(rate=2, burst=3, now=0.0)
    assert [bucket.take(now=0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(now=0.25) is False  # half a token
    assert bucket.take(now=0.5) is True
    assert [bucket.take(now=100.0) for _ in range(4)] == [True, True, True, False]  # capped at burst


def test_gateway_responses_use_template_bodies_or_api_gateway_defaults() -> None:
    api = Api(
        "Api",
        "abc",
        "dev",
        gateway_responses={
            "THROTTLED": GatewayResponse(429, {"application/json": '{"RequestId":"$context.requestId"}'}, {}),
            "DEFAULT_4XX": GatewayResponse(
                None, {"application/json": '{"m":$context.error.messageString}'}, {}
            ),
        },
    )
    status, headers, body = apigw.gateway_response(api, "THROTTLED", "r-1")
    assert (status, json.loads(body)) == (429, {"RequestId": "r-1"})
    assert ("x-amzn-ErrorType", "TooManyRequestsException") in headers
    assert apigw.gateway_response(api, "INVALID_API_KEY", "r")[::2] == (403, b'{"m":"Forbidden"}')
    assert apigw.gateway_response(None, "MISSING_AUTHENTICATION_TOKEN", "r")[::2] == (
        403,
        b'{"message":"Missing Authentication Token"}',
    )
    assert apigw.gateway_response(None, "AUTHORIZER_FAILURE", "r")[::2] == (500, b'{"message":null}')


def test_proxy_event_and_response_follow_the_v1_payload() -> None:
    api, route = Api("Api", "abc", "dev"), ROUTES[1]
    request = apigw.Request(
        "POST",
        "/v1/p1/videos/x",
        "a=1&a=2",
        [("X-H", "1"), ("X-H", "2"), ("Content-Type", "image/png")],
        b"\x89PNG",
    )
    auth = apigw.AuthDecision(None, None, "principal", {"project_id": "p1"}, "key")
    event = apigw.proxy_event(api, route, request, {"VideoId": "x"}, "req-1", auth)
    assert (event["headers"]["X-H"], event["multiValueHeaders"]["X-H"]) == ("2", ["1", "2"])
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"]}
    assert (event["isBase64Encoded"], event["body"]) == (True, "iVBORw==")
    assert event["requestContext"]["authorizer"]["project_id"] == "p1"
    assert event["requestContext"]["path"] == "/dev/v1/p1/videos/x"
    empty = apigw.proxy_event(api, route, apigw.Request("GET", "/", "", [], b""), {}, "r", None)
    assert (empty["queryStringParameters"], empty["pathParameters"], empty["body"]) == (None, None, None)
    status, headers, body = apigw.proxy_response(
        {
            "statusCode": 201,
            "headers": {"A": "1"},
            "multiValueHeaders": {"B": ["1", "2"]},
            "body": "aGk=",
            "isBase64Encoded": True,
        }
    )
    assert (status, headers, body) == (201, [("A", "1"), ("B", "1"), ("B", "2")], b"hi")
    with pytest.raises(apigw.MalformedProxyResponse):
        apigw.proxy_response("not a dict")
