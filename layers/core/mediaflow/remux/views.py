"""How a remux task reads in ListRemuxTask (the SDK's RemuxTask) and in its RemuxComplete event."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.records.model import Record
from mediaflow.remux.records import RemuxDoc
from mediaflow.settings import get_settings


def _compact(key_time: str | None) -> str:
    return clock.compact(clock.parse_key_time(key_time)) if key_time else ""


def _place(bucket: str | None, key: str, given: dict[str, Any] | None) -> dict[str, Any]:
    settings = get_settings()
    place: dict[str, Any] = {
        "bucket": bucket or settings.bucket_name,
        "location": settings.region,
        "object": key,
    }
    return {**place, "object": given["object"]} if given else place


def remux_view(record: Record[RemuxDoc]) -> dict[str, Any]:
    doc = record.doc
    output = _place(doc.output_bucket, doc.output_dir, doc.request.get("output"))
    if doc.main_file:
        output["file_name"] = doc.main_file
    view: dict[str, Any] = {
        "task_id": str(doc.task_id),
        "status": record.status,
        "create_time": _compact(record.created_at),
        "start_time": _compact(doc.start_time),
        "end_time": _compact(doc.end_time),
        "error_code": doc.error_code or "",
        "description": doc.error_message or "",
        "user_data": doc.user_data or "",
        "input": _place(doc.source_bucket, doc.source_key, doc.request.get("input")),
        "output": output,
        "output_param": {
            "format": doc.format,
            "segment_duration": doc.segment_duration,
            "remove_meta": doc.remove_meta,
        },
        "complete_ratio": doc.progress,
    }
    if doc.output_metadata:
        view["output_metadata"] = doc.output_metadata
    if doc.encryption is not None:  # the key's URL and IV only (both are in the playlist anyway)
        view["encryption"] = {
            "hls_encrypt": {"url": doc.encryption.url, "algorithm": doc.encryption.algorithm}
        }
    return view
