"""Does a JSON answer match what a Huawei SDK model declares, field by field?

The SDK keeps fields it knows (``attribute_map``) and coerces their values to the declared type
(``openapi_types``), silently: ``int("5")`` works, a dict where a list is declared becomes a one-item
list. So the check is stricter than the SDK: every field the model knows must carry the JSON type
the model declares (str, int, float, bool, list, object), recursively. Unknown fields are allowed
(the SDK drops them, Mediaflow's extensions live there).
"""

from __future__ import annotations

import re
from typing import Any

from huaweicloudsdkmpc.v1 import model as mpc_model

PRIMITIVES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "object": (object,),
}


def mismatches(value: Any, declared: str, path: str = "$") -> list[str]:  # noqa: PLR0911 - one return per declared kind
    if value is None:
        return []
    if declared.startswith("list["):
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__} where {declared} is declared"]
        inner = declared[5:-1]
        return [m for i, item in enumerate(value) for m in mismatches(item, inner, f"{path}[{i}]")]
    if declared.startswith("dict("):
        inner = re.match(r"dict\(([^,]*), (.*)\)", declared).group(2)  # type: ignore[union-attr]
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__} where {declared} is declared"]
        return [m for k, v in value.items() for m in mismatches(v, inner, f"{path}.{k}")]
    if declared in PRIMITIVES:
        allowed = PRIMITIVES[declared]
        if isinstance(value, bool) and declared in ("int", "float"):
            return [f"{path}: bool where {declared} is declared"]
        return (
            []
            if isinstance(value, allowed)
            else [f"{path}: {type(value).__name__} where {declared} is declared"]
        )
    klass = getattr(mpc_model, declared)
    if not klass.openapi_types:  # an enum-like model: a scalar
        return []
    if not isinstance(value, dict):
        return [f"{path}: {type(value).__name__} where the object {declared} is declared"]
    found = []
    by_json = {json_name: attr for attr, json_name in klass.attribute_map.items()}
    for key, item in value.items():
        if key in by_json:
            found += mismatches(item, klass.openapi_types[by_json[key]], f"{path}.{key}")
    return found


def response_mismatches(response: Any) -> list[str]:
    """Check an SDK response object against the raw JSON it was made from."""
    import json

    raw = json.loads(response.raw_content or b"null")
    return mismatches(raw, type(response).__name__)
