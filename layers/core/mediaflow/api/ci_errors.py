"""The Tencent CI family's error answers (rendered as ``<Error>`` or ``{"Error": ...}`` by api.families)."""

from __future__ import annotations

from typing import Any, cast

from pydantic import ValidationError

from mediaflow.api.families import Family, validation_error
from mediaflow.errors import ApiError


def invalid(message: str) -> ApiError:
    return ApiError(400, "InvalidArgument", message)


def from_validation(exc: ValidationError) -> ApiError:
    """The first pydantic error as InvalidArgument ``<Field.Path>: <what is wrong>``."""
    return validation_error(Family.CI, cast(list[dict[str, Any]], exc.errors(include_url=False)))


MISSING_CONTENT = ApiError(400, "MissingContent", "The request body is empty.")
TOO_LARGE = ApiError(413, "InvalidContent", "The request body is too large.")
NOT_MODIFIABLE = "The job provided can not be modified"
