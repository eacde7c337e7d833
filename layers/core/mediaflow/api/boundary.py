"""The one input boundary of every API operation: what a request body may be, checked before
anything parses it (Powertools, pydantic, the CI wire codec), so malformed input is the client's
400 in the family's shape and never a 500.

Each route gets a ``BodyRule`` from its handler (``make_api_handler``): a ``Body()`` parameter makes
a JSON route; a handler given a ``document`` model (the CI family's POST/PUT) takes a ``<Request>``
in XML or JSON; every other route takes no body (one is ignored, up to the limit).

| rule     | Content-Type accepted                                        | default limit   |
|----------|--------------------------------------------------------------|-----------------|
| JSON     | application/json (charset utf-8 only), or none               | 64 KiB          |
| document | application/xml, text/xml, *+xml, application/json, *+json,  | 64 KiB (setting |
|          | or none (Tencent's SDK sends XML without one)                | CI_MAX_BODY)    |
| none     | anything (not read)                                          | 16 KiB          |

Checks, in order: size (413), strict UTF-8 (400), media type (415), syntax (400), nesting depth at
most ``MAX_DEPTH`` (400; deeper JSON used to end in RecursionError), then, for a family that refuses
them (``FORBIDS_UNKNOWN``: MPC), unknown fields anywhere in the body (400 naming the field).
An admitted event is normalized for what follows: the body as text, ``isBase64Encoded`` false, a
canonical ``Content-Type`` on JSON routes.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ValidationError

from mediaflow.api.families import Family, negotiate, refusal, validation_error

KIB = 1024
MAX_DEPTH = 32  # the deepest body any operation takes is 4 levels (a template's video settings)
JSON_LIMIT = 64 * KIB
NO_BODY_LIMIT = 16 * KIB
FORBIDS_UNKNOWN = frozenset({Family.MPC})  # VOD and CI ignore unknown parameters, as the vendors do
JSON_TYPE = "application/json"
XML_TYPES = ("application/xml", "text/xml")


class BodyKind(StrEnum):
    NONE = "none"
    JSON = "json"
    DOCUMENT = "document"  # the CI family: XML or JSON


@dataclass(frozen=True)
class BodyRule:
    kind: BodyKind
    max_bytes: int
    model: type[BaseModel] | None = None  # a JSON route's body model
    forbid_unknown: bool = False

    def describe(self) -> dict[str, Any]:
        """What the OpenAPI document says about it (``x-mediaflow-body``)."""
        accepted = {
            BodyKind.JSON: [JSON_TYPE],
            BodyKind.DOCUMENT: [*XML_TYPES, JSON_TYPE, "(none: XML or JSON by the first character)"],
            BodyKind.NONE: [],
        }[self.kind]
        return {
            "kind": self.kind.value,
            "maxBytes": self.max_bytes,
            "maxDepth": MAX_DEPTH if self.kind is not BodyKind.NONE else None,
            "contentTypes": accepted,
            "unknownFields": "refused" if self.forbid_unknown else "ignored",
        }


def _header(headers: Mapping[str, Any] | None, name: str) -> str:
    for key, value in (headers or {}).items():
        if key.lower() == name:
            return str(value or "")
    return ""


def _raw_body(event: Mapping[str, Any], family: Family) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise refusal(family, 400, "the request body is not valid base64") from exc
    try:
        return str(body).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogates cannot have come from UTF-8 bytes
        raise refusal(family, 400, "the request body is not valid UTF-8") from exc


def _media_type(content_type: str, kind: BodyKind, family: Family) -> str | None:
    """The body's format ("json", "xml") by its declared type; None when none is declared."""
    if not content_type.strip():
        return None
    media_type, *params = (part.strip().lower() for part in content_type.split(";"))
    for param in params:
        name, _, value = param.partition("=")
        if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
            raise refusal(family, 415, "the request body must be UTF-8 (charset=utf-8)")
    if media_type == JSON_TYPE or (kind is BodyKind.DOCUMENT and media_type.endswith("+json")):
        return "json"
    if kind is BodyKind.DOCUMENT and (media_type in XML_TYPES or media_type.endswith("+xml")):
        return "xml"
    wanted = JSON_TYPE if kind is BodyKind.JSON else "application/xml or application/json"
    raise refusal(family, 415, f"Content-Type {media_type or '?'} is not accepted here; send {wanted}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion (an object or array is one level)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        children = node.values() if isinstance(node, dict) else node
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def _check_json(text: str, family: Family) -> Any:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise refusal(family, 400, f"the request body is nested deeper than {MAX_DEPTH} levels") from exc
    except ValueError as exc:  # JSONDecodeError, NaN/Infinity, integers over Python's digit limit
        raise refusal(family, 400, f"the request body is not valid JSON: {str(exc)[:120]}") from exc
    if _depth(data) > MAX_DEPTH:
        raise refusal(family, 400, f"the request body is nested deeper than {MAX_DEPTH} levels")
    return data


def _check_xml(raw: bytes, family: Family) -> None:
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    depth = 0
    try:
        events = ElementTree.iterparse(
            io.BytesIO(raw), ("start", "end"), forbid_dtd=True, forbid_entities=True, forbid_external=True
        )
        for action, _ in events:
            depth += 1 if action == "start" else -1
            if depth > MAX_DEPTH:
                raise refusal(family, 400, f"the request body is nested deeper than {MAX_DEPTH} levels")
    except (DefusedXmlException, ElementTree.ParseError, ValueError) as exc:
        reason = f"not acceptable XML ({type(exc).__name__}); DTDs and entities are refused"
        raise refusal(family, 400, f"the request body is {reason}") from exc


def _check_fields(model: type[BaseModel], data: Any, family: Family) -> None:
    """Unknown fields anywhere in the body; every other mistake is left to the route's validation."""
    try:
        model.model_validate(data, extra="forbid")
    except ValidationError as exc:
        unknown = [e for e in exc.errors(include_url=False) if e.get("type") == "extra_forbidden"]
        if unknown:
            first = dict(unknown[0])
            first["msg"] = "unknown field (not part of this operation)"
            raise validation_error(family, [first]) from None


def admit(event: dict[str, Any], rule: BodyRule, family: Family) -> dict[str, Any]:
    """The event to hand on, normalized; raises the family's ApiError (400/413/415) otherwise."""
    raw = _raw_body(event, family)
    if len(raw) > rule.max_bytes:
        raise refusal(family, 413, f"the request body is larger than {rule.max_bytes} bytes")
    if rule.kind is BodyKind.NONE or (not raw and rule.kind is BodyKind.DOCUMENT):
        return event  # the CI wire codec answers an empty document with MissingContent
    headers = event.get("headers") or {}
    declared = _media_type(_header(headers, "content-type"), rule.kind, family)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise refusal(family, 400, f"the request body is not valid UTF-8 (byte {exc.start})") from None
    fmt = declared or ("json" if rule.kind is BodyKind.JSON else negotiate({}, text.lstrip()[:1]))
    if not text:  # a JSON route without a body: its validation says which fields are missing
        return _normalized(event, headers, text, rule)
    if fmt == "json":
        data = _check_json(text, family)
        if rule.model is not None and rule.forbid_unknown:
            _check_fields(rule.model, data, family)
    else:
        _check_xml(raw, family)
    return _normalized(event, headers, text, rule)


def _normalized(
    event: dict[str, Any], headers: Mapping[str, Any], text: str, rule: BodyRule
) -> dict[str, Any]:
    admitted = {**event, "body": text, "isBase64Encoded": False}
    if rule.kind is BodyKind.JSON:  # one spelling for what parses next (Powertools matches it exactly)
        admitted["headers"] = {
            **{k: v for k, v in headers.items() if k.lower() != "content-type"},
            "Content-Type": JSON_TYPE,
        }
        multi = event.get("multiValueHeaders")
        if multi:
            admitted["multiValueHeaders"] = {
                **{k: v for k, v in multi.items() if k.lower() != "content-type"},
                "Content-Type": [JSON_TYPE],
            }
    return admitted


UNKNOWN_ROUTE = BodyRule(BodyKind.NONE, NO_BODY_LIMIT)  # a handler asked for a route it does not serve


def rule_for(
    body_model: type[BaseModel] | None,
    family: Family,
    max_bytes: int | None,
    document: type[BaseModel] | None = None,
) -> BodyRule:
    """The rule of one route: its body model (a ``Body()`` parameter), or the family's document
    (``document``: its model, which the route applies itself; here it only documents it)."""
    if body_model is not None:
        return BodyRule(BodyKind.JSON, max_bytes or JSON_LIMIT, body_model, family in FORBIDS_UNKNOWN)
    if document is not None:
        from mediaflow.settings import get_settings

        return BodyRule(BodyKind.DOCUMENT, max_bytes or get_settings().ci.max_body_bytes, document)
    return BodyRule(BodyKind.NONE, max_bytes or NO_BODY_LIMIT)
