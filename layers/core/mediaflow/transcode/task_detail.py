"""``GET /v1/{project_id}/transcodings/detail`` (ListTranscodeDetail): per-rendition media info of
up to 10 tasks, shaped as ``huaweicloudsdkmpc``'s TaskDetailInfo / MediaDetail / OutputVideoPara."""

from __future__ import annotations

from typing import Any

from mediaflow.api.mpc_query import task_ids as parse_ids
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_views import task_view

PACKS = {"HLS": "HLS", "DASH": "DASH", "HLS+DASH": "HLS_DASH", "MP4": "MP4", "MP3": "MP3", "ADTS": "ADTS"}


def _origin(info: dict[str, Any] | None) -> dict[str, Any] | None:
    if not info:
        return None
    audio = (info.get("audio_info") or [None])[0]
    return {
        "duration": info.get("duration"),
        "duration_ms": info.get("duration_ms"),
        "file_format": info.get("format"),
        "video": info.get("video_info"),
        "audio": audio,
    }


def _outputs(record: Record[TaskDoc]) -> list[dict[str, Any]]:
    doc = record.doc
    detail = doc.transcode_detail or {}
    by_template = {r.template_id: r for r in doc.renditions}
    files = {o.template_id: o for o in doc.outputs}
    paras = []
    for entry in detail.get("multitask_info") or []:
        template_id = int(entry.get("template_id") or 0)
        spec, made = by_template.get(template_id), files.get(template_id)
        output = entry.get("output_file") or {}
        para: dict[str, Any] = {
            "template_id": template_id,
            "size": output.get("size", 0),
            "pack": PACKS.get(spec.pack_type, spec.pack_type) if spec else "",
            "video": output.get("video_info"),
            "audio": (output.get("audio_info") or [None])[0],
            "file_name": made.main_file if made else "",
            "conver_duration": round(float(output.get("duration_ms") or 0) / 1000, 3),
        }
        if spec and spec.pack_type in ("HLS", "HLS+DASH") and made:
            para["manifest_name"] = made.main_file
        if entry.get("error"):
            para["error"] = {"code": entry["error"].get("error_code"), "msg": entry["error"].get("error_msg")}
        paras.append(para)
    return paras


def detail_view(record: Record[TaskDoc]) -> dict[str, Any]:
    view = task_view(record)
    answer: dict[str, Any] = {
        "task_id": str(view["task_id"]),
        **{k: view[k] for k in ("status", "progress", "create_time", "start_time", "end_time")},
        **{k: view[k] for k in ("input", "output", "user_data", "error_code", "description")},
        "media_detail": {
            "features": [],
            "origin_para": _origin((record.doc.transcode_detail or {}).get("input_file")),
            "output_video_paras": _outputs(record),
        },
    }
    if record.doc.error_code:
        answer["xcode_error"] = {
            "error_code": record.doc.error_code,
            "error_msg": record.doc.error_message or "",
        }
    return answer


def details(project_id: str, task_ids: list[str]) -> dict[str, Any]:
    ids = parse_ids(task_ids)
    if not ids:
        from mediaflow.api.mpc_errors import invalid

        raise invalid("task_id is required (at most 10)")
    return {"task_array": [detail_view(r) for r in store.get_many(TaskDoc, project_id, ids)]}
