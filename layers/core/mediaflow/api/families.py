"""Error bodies of the three API families, and how a validation failure reads in each.

- VOD (Alibaba): HTTP status + ``{"RequestId", "HostId", "Code", "Message"}``
- MPC (Huawei):  HTTP status + ``{"error_code": "MPC.xxxxx", "error_msg": "..."}``
- CI (Tencent):  HTTP status + ``<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>``,
  or the same structure in JSON (``{"Error": {...}}``) when ``negotiate`` says the caller speaks JSON.
  cos-python-sdk-v5 reads Code, Message, Resource and RequestId and fails on an error missing any.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal
from xml.sax.saxutils import escape

from mediaflow.errors import ApiError


class Family(StrEnum):
    VOD = "vod"
    MPC = "mpc"
    CI = "ci"


WireFormat = Literal["xml", "json"]


class FamilyError(ApiError):
    """An answer in one family's shape whatever function raises it (a signature refusal, an
    operation Mediaflow lacks): the caller's SDK decides the family, not the route."""

    def __init__(self, family: Family, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.family = family


@dataclass(frozen=True)
class Rendered:
    status: int
    content_type: str
    body: str


# Custom pydantic error types that are already VOD error codes.
VOD_CODES = frozenset(
    {
        "MissingParameter",
        "InvalidParameter",
        "InvalidFileName.Extension",
        "IllegalCharacters",
        "LengthExceededMax",
        "TagsExceededMax",
    }
)


def _kind(media_type: str) -> WireFormat | None:
    media_type = media_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        return "json"
    if media_type in ("application/xml", "text/xml") or media_type.endswith("+xml"):
        return "xml"
    return None


def _quality(media_range: str) -> float:
    for param in media_range.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def negotiate(headers: Mapping[str, str], body: str | None = None) -> WireFormat:
    """The CI family's answer format: what ``Accept`` names (JSON or XML, highest q-value, then
    first), else the request body's own format (``Content-Type``, or a body starting with '{'),
    else XML, as CI answers."""
    best: tuple[float, int, WireFormat] | None = None
    for index, media_range in enumerate((headers.get("Accept") or "").split(",")):
        kind, quality = _kind(media_range), _quality(media_range)
        if kind is not None and quality > 0 and (best is None or (quality, -index) > best[:2]):
            best = (quality, -index, kind)
    if best is not None:
        return best[2]
    declared = _kind(headers.get("Content-Type") or "")
    if declared is not None:
        return declared
    return "json" if (body or "").lstrip().startswith("{") else "xml"


def render(
    family: Family, error: ApiError, request_id: str, host: str, fmt: WireFormat = "xml", resource: str = ""
) -> Rendered:
    if family is Family.VOD:
        body = {"RequestId": request_id, "HostId": host, "Code": error.code, "Message": error.message}
        return Rendered(error.status, "application/json", json.dumps(body))
    if family is Family.MPC:
        return Rendered(
            error.status,
            "application/json",
            json.dumps({"error_code": error.code, "error_msg": error.message}),
        )
    if fmt == "json":
        fields = {
            "Code": error.code,
            "Message": error.message,
            "Resource": resource or host,
            "RequestId": request_id,
            "TraceId": request_id,
        }
        return Rendered(error.status, "application/json", json.dumps({"Error": fields}))
    xml = (
        f"<Error><Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
        f"<Resource>{escape(resource or host)}</Resource>"
        f"<RequestId>{escape(request_id)}</RequestId><TraceId>{escape(request_id)}</TraceId></Error>"
    )
    return Rendered(error.status, "application/xml", xml)


def _field(err: dict[str, Any]) -> str:
    loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "query", "path")]
    return ".".join(loc) or "request"


def validation_error(family: Family, errors: list[dict[str, Any]]) -> ApiError:
    """Turn the first pydantic error into the family's invalid-parameter answer."""
    err = errors[0] if errors else {"type": "value_error", "loc": (), "msg": "invalid request"}
    field, etype = _field(err), str(err.get("type", ""))
    msg = str(err.get("msg", "invalid value")).removeprefix("Value error, ")
    if family is Family.VOD:
        if etype in VOD_CODES:
            return ApiError(400, etype, msg)
        if etype == "missing":
            return ApiError(
                400, "MissingParameter", f"The input parameter {field} that is mandatory is not supplied."
            )
        if etype == "string_too_long":
            ctx = err.get("ctx")
            limit = ctx.get("max_length", "") if isinstance(ctx, dict) else ""
            return ApiError(400, "LengthExceededMax", f"{field} length has exceeded {limit}.")
        return ApiError(400, "InvalidParameter", f"The specified parameter {field} is not valid: {msg}")
    if family is Family.MPC:
        return ApiError(400, "MPC.10202", f"Invalid request parameter: {field}: {msg}")
    return ApiError(400, "InvalidArgument", f"{field}: {msg}")


def forbidden(family: Family) -> ApiError:
    if family is Family.VOD:
        return ApiError(403, "Forbidden", "User not authorized to operate on the specified resource.")
    if family is Family.MPC:
        return ApiError(403, "MPC.10208", "Access denied.")
    return ApiError(403, "AccessDenied", "Access denied.")


def internal(family: Family) -> ApiError:
    if family is Family.VOD:
        return ApiError(500, "InternalError", "The request processing has failed due to some unknown error.")
    if family is Family.MPC:
        return ApiError(500, "MPC.10050", "Internal error.")
    return ApiError(500, "InternalError", "Internal error.")


def refusal(family: Family, status: int, message: str) -> ApiError:
    """A request refused at the input boundary (``mediaflow.api.boundary``): 400 malformed, 413 too
    large, 415 a media type the operation does not take; the family's invalid-parameter code."""
    if family is Family.VOD:
        return ApiError(status, "InvalidParameter", message)
    if family is Family.MPC:
        return ApiError(status, "MPC.10202", f"Invalid request parameter: {message}")
    return ApiError(status, "InvalidContent" if status == 413 else "InvalidArgument", message)
