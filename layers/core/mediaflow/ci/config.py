"""CI-family settings: a group of the one settings model (``mediaflow.settings``)."""

from __future__ import annotations

from mediaflow.settings import CiSettings, get_settings

__all__ = ["CiSettings", "ci_settings"]


def ci_settings() -> CiSettings:
    return get_settings().ci
