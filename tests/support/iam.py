"""A small IAM policy evaluator for the statements Mediaflow writes (Allow/Deny, Action and
Resource with ``*``/``?`` wildcards). moto does not enforce session policies, so tests check our
policies with this instead."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Any


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _matches(patterns: list[str], value: str, *, case_insensitive: bool = False) -> bool:
    if case_insensitive:
        return any(fnmatchcase(value.lower(), p.lower()) for p in patterns)
    return any(fnmatchcase(value, p) for p in patterns)


def allows(policy: dict[str, Any], action: str, resource: str) -> bool:
    """True when some statement allows and none denies (implicit deny otherwise)."""
    allowed = False
    for statement in _as_list_of_dicts(policy["Statement"]):
        if not _matches(_as_list(statement["Action"]), action, case_insensitive=True):
            continue
        if not _matches(_as_list(statement["Resource"]), resource):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = True
    return allowed


def _as_list_of_dicts(value: Any) -> list[dict[str, Any]]:
    return [value] if isinstance(value, dict) else list(value)
