"""CI bodies in and out: ``<Request>`` XML or the same structure in JSON; ``<Response>`` or JSON.

In: the body's format is its ``Content-Type`` (application/json, application/xml, text/xml), else
what it starts with ('{' or '<'). XML goes through ``mediaflow.xmlcodec`` (defusedxml: a DTD,
entity declaration or external reference is refused before anything is expanded). JSON may be
``{"Request": {...}}`` or the bare inner object; its scalars become text (``5`` -> ``"5"``,
``true`` -> ``"true"``) so both formats reach the models as the same dict of strings.

Out: ``mediaflow.api.families.negotiate`` picks the format (``Accept``, else the request's own,
else XML); errors take the same path in ``mediaflow.api.app``. XML: ``<Response>...</Response>``,
lists as repeated elements. JSON: ``{"Response": {...}}``, lists as arrays (JobsDetail, ObjectName,
QueueList ... are always arrays, as CI documents them as container arrays), every scalar a string.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from mediaflow import xmlcodec
from mediaflow.api.ci_errors import MISSING_CONTENT, TOO_LARGE, invalid
from mediaflow.api.families import WireFormat, negotiate
from mediaflow.settings import get_settings

ROOT_IN, ROOT_OUT = "Request", "Response"


def _raw_body(event: APIGatewayProxyEvent) -> bytes:
    body = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise invalid("the request body is not valid base64") from exc
    return body.encode("utf-8")


def body_format(content_type: str, raw: bytes) -> WireFormat:
    """The format a request body is in: what Content-Type declares, else what it starts with."""
    return negotiate({"Content-Type": content_type}, raw.lstrip()[:1].decode("latin-1"))


def _strings(value: Any) -> Any:
    """JSON scalars as the text XML would carry; nulls are absent."""
    if isinstance(value, dict):
        return {str(k): _strings(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strings(v) for v in value if v is not None]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value.strip()
    return str(value)


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The request document as a dict of strings; InvalidArgument for anything unacceptable."""
    if not raw.strip():
        raise MISSING_CONTENT
    if len(raw) > get_settings().ci.max_body_bytes:
        raise TOO_LARGE
    if body_format(content_type, raw) == "json":
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise invalid("the request body is not valid JSON") from exc
        if isinstance(data, dict) and set(data) == {ROOT_IN} and isinstance(data[ROOT_IN], dict):
            data = data[ROOT_IN]
        if not isinstance(data, dict):
            raise invalid("the request body must be a JSON object")
        return dict(_strings(data))
    try:
        root, data = xmlcodec.loads(raw)
    except xmlcodec.XmlError as exc:
        raise invalid(
            f"the request body is not acceptable XML ({exc}); DTDs and entities are refused"
        ) from exc
    except RecursionError as exc:
        raise invalid("the request body is nested too deeply") from exc
    if root != ROOT_IN:
        raise invalid(f"the root element must be <{ROOT_IN}>")
    return data if isinstance(data, dict) else {}


def read_request(event: APIGatewayProxyEvent) -> dict[str, Any]:
    return parse_body(_raw_body(event), (event.headers or {}).get("Content-Type") or "")


def answer_format(event: APIGatewayProxyEvent) -> WireFormat:
    body = None if event.is_base64_encoded else event.body
    return negotiate(event.headers or {}, body)


def dumps(body: dict[str, Any], fmt: WireFormat) -> tuple[str, str]:
    """(content type, text) of a ``Response`` document."""
    if fmt == "json":
        return "application/json", json.dumps({ROOT_OUT: body}, separators=(",", ":"))
    return "application/xml", xmlcodec.dumps(ROOT_OUT, body)


def respond(event: APIGatewayProxyEvent, body: dict[str, Any], status: int = 200) -> Response[str]:
    content_type, text = dumps(body, answer_format(event))
    request_id = str(event.request_context.request_id or "")
    return Response(
        status_code=status, content_type=content_type, body=text, headers={"x-ci-request-id": request_id}
    )
