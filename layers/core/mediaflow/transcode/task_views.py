"""How a transcoding task reads in the MPC query (seed 003) and in its notifications."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.jobs.store import Record
from mediaflow.settings import get_settings


def _compact(key_time: str | None) -> str:
    return clock.compact(clock.parse_key_time(key_time)) if key_time else ""


def _location(key: str) -> dict[str, str]:
    settings = get_settings()
    return {"bucket": settings.bucket_name, "location": settings.region, "object": key}


def locations(record: Record) -> tuple[dict[str, Any], dict[str, Any]]:
    request = record.doc.get("request") or {}
    given_in, given_out = request.get("input"), request.get("output")
    source = _location(record.doc["source_key"])
    out = _location(record.doc["output_dir"])
    return ({**source, "object": given_in["object"]} if given_in else source), (
        {**out, "object": given_out["object"]} if given_out else out
    )


def task_view(record: Record) -> dict[str, Any]:
    doc = record.doc
    source, out = locations(record)
    return {
        "task_id": doc["task_id"],
        "status": record.status,
        "progress": int(doc.get("progress") or 0),
        "create_time": _compact(record.created_at),
        "start_time": _compact(doc.get("start_time")),
        "end_time": _compact(doc.get("end_time")),
        "trans_template_id": doc["trans_template_id"],
        "input": source,
        "output": out,
        "output_file_name": doc.get("output_file_name") or [],
        "user_data": doc.get("user_data") or "",
        "error_code": doc.get("error_code") or "",
        "description": doc.get("description") or "",
        "tips": doc.get("tips") or "",
        "transcode_detail": doc.get("transcode_detail") or {"multitask_info": [], "input_file": None},
        "priority": doc.get("priority", 6),
    }


EVENT_STATUS = {
    "TRANSCODING": "TRANSCODING",
    "SUCCEEDED": "SUCCEED",
    "FAILED": "FAILED",
    "CANCELED": "FAILED",
}


def transcode_info(record: Record) -> dict[str, Any]:
    """The ``transcode_info`` of an MPC notification message."""
    view = task_view(record)
    detail = record.doc.get("transcode_detail") or {}
    info: dict[str, Any] = {
        "task_id": str(view["task_id"]),
        "status": EVENT_STATUS.get(record.status, record.status),
        "create_time": view["create_time"],
        "start_time": view["start_time"],
        "end_time": view["end_time"],
        "input": view["input"],
        "output": view["output"],
        "output_file_name": view["output_file_name"],
        "user_data": view["user_data"],
        "description": view["description"],
    }
    if record.status == "SUCCEEDED":
        info["media_detail"] = {
            "origin_para": detail.get("input_file"),
            "output_video_paras": [m.get("output_file") for m in detail.get("multitask_info", [])],
        }
    return info
