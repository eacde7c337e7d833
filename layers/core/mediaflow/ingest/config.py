"""URL-ingest settings: a group of the one settings model (``mediaflow.settings``)."""

from __future__ import annotations

from mediaflow.settings import GIB, MIB, S3_MAX_PARTS, S3_MIN_PART, IngestSettings, get_settings

__all__ = ["GIB", "MIB", "S3_MAX_PARTS", "S3_MIN_PART", "IngestSettings", "ingest_settings"]


def ingest_settings() -> IngestSettings:
    return get_settings().ingest
