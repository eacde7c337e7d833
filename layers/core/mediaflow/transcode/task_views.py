"""How a transcoding task reads in the MPC query (seed 003) and in its notifications."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.jobs import cost
from mediaflow.records.model import Record
from mediaflow.records.states import TaskState
from mediaflow.settings import get_settings
from mediaflow.transcode.records import TaskDoc


def _compact(key_time: str | None) -> str:
    return clock.compact(clock.parse_key_time(key_time)) if key_time else ""


def _location(key: str, bucket: str | None) -> dict[str, str]:
    settings = get_settings()
    return {"bucket": bucket or settings.bucket_name, "location": settings.region, "object": key}


def locations(record: Record[TaskDoc]) -> tuple[dict[str, Any], dict[str, Any]]:
    doc = record.doc
    given_in, given_out = doc.request.get("input"), doc.request.get("output")
    source, out = _location(doc.source_key, doc.source_bucket), _location(doc.output_dir, doc.output_bucket)
    return ({**source, "object": given_in["object"]} if given_in else source), (
        {**out, "object": given_out["object"]} if given_out else out
    )


def task_view(record: Record[TaskDoc], progress: int | None = None) -> dict[str, Any]:
    """``progress``: a split task's weighted progress over its parts (``split_task.progress``)."""
    doc = record.doc
    source, out = locations(record)
    return {
        # String, as the seed's table and huaweicloudsdkmpc's model say (its example prints a number)
        "task_id": str(doc.task_id),
        "status": record.status,
        "progress": doc.progress if progress is None else progress,
        "create_time": _compact(record.created_at),
        "start_time": _compact(doc.start_time),
        "end_time": _compact(doc.end_time),
        "trans_template_id": doc.trans_template_id,
        "input": source,
        "output": out,
        "output_file_name": doc.output_file_name,
        "user_data": doc.user_data or "",
        "error_code": doc.error_code or "",
        "description": doc.error_message or "",
        "tips": doc.tips or "",
        "transcode_detail": {
            **(doc.transcode_detail or {"multitask_info": [], "input_file": None}),
            **cost_view(doc),
        },
        "priority": doc.priority,
    }


def cost_view(doc: TaskDoc) -> dict[str, Any]:
    """The documented extension of ``transcode_detail``: what the task cost to compute."""
    return {
        "compute_seconds": round(doc.compute_s, 3),
        "gb_seconds": round(doc.gb_s, 3),
        "estimated_cost_usd": cost.usd(doc.gb_s),
        "chunks": max(1, doc.chunks),
    }


EVENT_STATUS: dict[str, str] = {
    TaskState.TRANSCODING: "TRANSCODING",
    TaskState.SUCCEEDED: "SUCCEED",
    TaskState.FAILED: "FAILED",
    TaskState.CANCELED: "FAILED",
}


def transcode_info(record: Record[TaskDoc]) -> dict[str, Any]:
    """The ``transcode_info`` of an MPC notification message."""
    view = task_view(record)
    detail = record.doc.transcode_detail or {}
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
    if record.status == TaskState.SUCCEEDED:
        info["media_detail"] = {
            "origin_para": detail.get("input_file"),
            "output_video_paras": [m.get("output_file") for m in detail.get("multitask_info", [])],
        }
    return info
