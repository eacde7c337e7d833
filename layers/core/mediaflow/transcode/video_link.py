"""Videos with a template group: an upload that succeeds starts the group's task, and the task's
end moves the video to Normal or TranscodeFail (and announces VOD ``TranscodeComplete``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any

from mediaflow.errors import ApiError, Conflict, NotFound
from mediaflow.jobs import store
from mediaflow.jobs.states import Kind
from mediaflow.storage import keys, objects
from mediaflow.transcode.task_events import publish_video_transcoded


def start_for_video(video: store.Record) -> store.Record:
    """Queue the group's task for a video whose source just settled UploadSucc; safe to retry.

    The task id is reserved and written on the video (UploadSucc -> Transcoding) before the task
    is created, so a retried event finds the reservation and creates at most that one task.
    """
    from mediaflow.transcode import groups, tasks

    source = (video.doc.get("last_source") or {}).get("identity")

    def reserve(current: store.Record) -> store.Record | None:
        if current.status != "UploadSucc" or (current.doc.get("last_source") or {}).get("identity") != source:
            return None
        reserved = {
            "transcode_task_id": str(tasks.reserve_task_id(current.project_id)),
            "transcode_source": source,
        }
        return replace(current, status="Transcoding", doc={**current.doc, **reserved})

    current = store.update(Kind.VIDEO, video.project_id, video.id, reserve)
    if current.status != "Transcoding" or current.doc.get("transcode_source") != source:
        return current  # a newer source took over; its own event starts its own task
    try:
        templates = groups.group_templates(current.project_id, current.doc["template_group_id"])
        stem = PurePosixPath(current.doc.get("file_name") or "video").stem
        template_ids = [tid for tid, _ in templates]
        names = [tasks.default_name(stem, i, tid) for i, tid in enumerate(template_ids)]
        renditions = tasks.resolve_renditions(current.project_id, template_ids, names)
    except (NotFound, ApiError) as exc:
        return _fail(current, f"The template group cannot be used: {exc}")
    tasks.queue_task(
        current.project_id,
        source_key=current.doc["object_key"],
        out_dir=f"{keys.output_prefix(current.project_id)}videos/{current.id}/",
        renditions=renditions,
        template_ids=template_ids,
        video_id=current.id,
        task_id=int(current.doc["transcode_task_id"]),
    )
    return current


def _fail(video: store.Record, reason: str) -> store.Record:
    def fail(current: store.Record) -> store.Record | None:
        if current.status != "Transcoding":
            return None
        failure = {"code": "TranscodeFail", "message": reason}
        return replace(current, status="TranscodeFail", doc={**current.doc, "failure": failure})

    failed = store.update(Kind.VIDEO, video.project_id, video.id, fail)
    if failed.status == "TranscodeFail":
        publish_video_transcoded(failed, [])
    return failed


def _streams(task: store.Record) -> list[dict[str, Any]]:
    streams = []
    details = {
        m["template_id"]: m for m in (task.doc.get("transcode_detail") or {}).get("multitask_info", [])
    }
    for output in task.doc.get("outputs", []):
        media = details.get(output["template_id"], {}).get("output_file") or {}
        video = media.get("video_info") or {}
        streams.append(
            {
                "Status": "success",
                "JobId": task.id,
                "TemplateId": str(output["template_id"]),
                "FileUrl": objects.public_url(task.doc["output_dir"] + (output["main_file"] or "")),
                "Format": (media.get("format") or "").lower(),
                "Duration": str(media.get("duration") or ""),
                "Size": media.get("size") or 0,
                "Width": str(video.get("width") or ""),
                "Height": str(video.get("height") or ""),
                "Fps": str(video.get("frame_rate") or ""),
                "Bitrate": str(video.get("bitrate") or ""),
            }
        )
    return streams


def task_ended(task: store.Record) -> None:
    video_id = task.doc.get("video_id")
    if not video_id or task.status not in ("SUCCEEDED", "FAILED", "CANCELED"):
        return
    target = "Normal" if task.status == "SUCCEEDED" else "TranscodeFail"
    streams = _streams(task)

    def settle(current: store.Record) -> store.Record | None:
        if current.status != "Transcoding" or current.doc.get("transcode_task_id") != task.id:
            return None
        return replace(current, status=target, doc={**current.doc, "streams": streams})

    try:
        video = store.update(Kind.VIDEO, task.project_id, video_id, settle)
    except (NotFound, Conflict):
        return
    if video.status == target and video.doc.get("transcode_task_id") == task.id:
        publish_video_transcoded(video, streams)
