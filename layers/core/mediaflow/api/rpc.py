"""Alibaba's RPC wire form: an action's parameters in the query string (and, for older SDKs, an
``application/x-www-form-urlencoded`` body), all strings, beside the common signature parameters.

The REST routes and the ``/acs/<Action>`` routes of one operation build the same request model, so
both reach the same logic in the same Lambda.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, ValidationError

from mediaflow.api.families import Family, validation_error

COMMON = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "Timestamp",
        "RegionId",
        "SecurityToken",
        "BearerToken",
    }
)
Model = TypeVar("Model", bound=BaseModel)


def params(router: Router) -> dict[str, str]:
    event = router.current_event
    found: dict[str, str] = {}
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    content_type = headers.get("content-type") or ""
    if event.body and content_type.lower().startswith("application/x-www-form-urlencoded"):
        found.update(parse_qsl(event.decoded_body, keep_blank_values=True))
    found.update(event.query_string_parameters or {})
    return {name: value for name, value in found.items() if name not in COMMON}


def parse(model: type[Model], router: Router) -> Model:
    """The action's request model from its RPC parameters, refused in VOD's words when invalid."""
    try:
        return model.model_validate(params(router))
    except ValidationError as exc:
        raise validation_error(Family.VOD, cast(list[dict[str, Any]], exc.errors(include_url=False))) from exc


def param(router: Router, name: str) -> Any:
    return params(router).get(name)
