"""Typed, resolved views of the template's functions, APIs and event sources.

Plain frozen dataclasses so the runtime, gateway and pollers never look at raw template dicts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Layer:
    logical_id: str
    arn: str
    content_uri: Path | None


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    arn: str
    code_uri: Path
    handler: str
    runtime: str
    timeout: float
    memory_size: int
    environment: dict[str, str]
    layers: tuple[Layer, ...]
    events: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Route:
    function_id: str
    event_name: str
    path: str
    method: str
    rest_api_id: str
    authorizer: str | None = None  # per-route override; "NONE" switches auth off
    api_key_required: bool | None = None  # per-route override


@dataclass(frozen=True)
class Authorizer:
    name: str
    function_id: str
    payload_type: str  # REQUEST or TOKEN
    token_header: str = "Authorization"  # noqa: S105 - a header name
    identity_headers: tuple[str, ...] = ()
    identity_query: tuple[str, ...] = ()


@dataclass(frozen=True)
class GatewayResponse:
    status_code: int | None
    templates: dict[str, str]
    headers: dict[str, str]


@dataclass(frozen=True)
class Api:
    logical_id: str
    api_id: str
    stage: str
    default_authorizer: str | None = None
    authorizers: dict[str, Authorizer] = field(default_factory=dict)
    api_key_required: bool = False
    api_key_source: str = "HEADER"
    rate_limit: float | None = None
    burst_limit: int | None = None
    gateway_responses: dict[str, GatewayResponse] = field(default_factory=dict)
    binary_media_types: tuple[str, ...] = ()
    cors: dict[str, str] = field(default_factory=dict)  # Access-Control-* headers of the preflight


@dataclass(frozen=True)
class SqsMapping:
    function_id: str
    event_name: str
    queue_arn: str
    batch_size: int = 10
    batching_window: float = 0.0
    report_batch_item_failures: bool = False


@dataclass(frozen=True)
class Schedule:
    function_id: str
    event_name: str
    expression: str
    input: str | None = None
    enabled: bool = True


@dataclass(frozen=True)
class SnsEvent:
    function_id: str
    event_name: str
    topic_arn: str
    filter_policy: dict[str, Any] | None = None


def _cors_headers(cors: Any) -> dict[str, str]:
    """SAM's ``Cors`` (a quoted origin string, or AllowOrigin/AllowHeaders/AllowMethods/MaxAge)."""
    if not cors:
        return {}
    spec = {"AllowOrigin": cors} if isinstance(cors, str) else dict(cors)
    names = {
        "AllowOrigin": "Access-Control-Allow-Origin",
        "AllowHeaders": "Access-Control-Allow-Headers",
        "AllowMethods": "Access-Control-Allow-Methods",
        "MaxAge": "Access-Control-Max-Age",
    }
    headers = {names[k]: str(v).strip("'") for k, v in spec.items() if k in names}
    if spec.get("AllowCredentials"):
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def build_api(logical: str, api_id: str, props: dict[str, Any], function_for: Callable[[str], str]) -> Api:
    """An Api view from resolved AWS::Serverless::Api properties (Auth, UsagePlan, responses)."""
    auth = props.get("Auth") or {}
    authorizers = {}
    for name, spec in (auth.get("Authorizers") or {}).items():
        identity = spec.get("Identity") or {}
        authorizers[name] = Authorizer(
            name=name,
            function_id=function_for(str(spec["FunctionArn"])),
            payload_type=str(spec.get("FunctionPayloadType", "TOKEN")).upper(),
            token_header=str(identity.get("Header", "Authorization")),
            identity_headers=tuple(identity.get("Headers") or ()),
            identity_query=tuple(identity.get("QueryStrings") or ()),
        )
    plan = auth.get("UsagePlan") or {}
    throttle = plan.get("Throttle") or {} if plan.get("CreateUsagePlan", "NONE") != "NONE" else {}
    responses = {}
    for kind, spec in (props.get("GatewayResponses") or {}).items():
        status = spec.get("StatusCode")
        headers = ((spec.get("ResponseParameters") or {}).get("Headers")) or {}
        responses[kind] = GatewayResponse(
            status_code=int(status) if status is not None else None,
            templates=dict(spec.get("ResponseTemplates") or {}),
            headers={k: str(v).strip("'") for k, v in headers.items()},
        )
    default = auth.get("DefaultAuthorizer")
    return Api(
        cors=_cors_headers(props.get("Cors")),
        logical_id=logical,
        api_id=api_id,
        stage=str(props.get("StageName", "Prod")),
        default_authorizer=None if default in (None, "NONE", "AWS_IAM") else str(default),
        authorizers=authorizers,
        api_key_required=bool(auth.get("ApiKeyRequired", False)),
        api_key_source=str(props.get("ApiKeySourceType", "HEADER")).upper(),
        rate_limit=float(throttle["RateLimit"]) if "RateLimit" in throttle else None,
        burst_limit=int(throttle["BurstLimit"]) if "BurstLimit" in throttle else None,
        gateway_responses=responses,
        binary_media_types=tuple(str(t).replace("~1", "/") for t in props.get("BinaryMediaTypes") or ()),
    )
