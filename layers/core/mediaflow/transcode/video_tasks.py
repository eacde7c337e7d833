"""Videos with a template group: an upload that succeeds starts the group's task, and the task's
end moves the video to Normal or TranscodeFail (and announces VOD ``TranscodeComplete``)."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from mediaflow.errors import ApiError, Conflict, NotFound
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.records.states import TaskState, VideoState
from mediaflow.storage import keys, objects
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_events import publish_video_transcoded
from mediaflow.uploads.records import Failure, VideoDoc


def start_for_video(video: Record[VideoDoc]) -> Record[VideoDoc]:
    """Queue the group's task for a video whose source just settled UploadSucc; safe to retry.

    The task id is reserved and written on the video (UploadSucc -> Transcoding) before the task
    is created, so a retried event finds the reservation and creates at most that one task.
    """
    from mediaflow.transcode import groups, tasks

    source = video.doc.last_source.identity if video.doc.last_source else None

    def reserve(current: Record[VideoDoc]) -> Record[VideoDoc] | None:
        landed = current.doc.last_source.identity if current.doc.last_source else None
        if current.status != VideoState.UPLOAD_SUCC or landed != source:
            return None
        task_id = str(tasks.reserve_task_id(current.project_id))
        return current.evolve(
            status=VideoState.TRANSCODING, transcode_task_id=task_id, transcode_source=source
        )

    current = store.update(VideoDoc, video.project_id, video.id, reserve)
    if current.status != VideoState.TRANSCODING or current.doc.transcode_source != source:
        return current  # a newer source took over; its own event starts its own task
    try:
        templates = groups.group_templates(current.project_id, current.doc.template_group_id or "")
        stem = PurePosixPath(current.doc.file_name or "video").stem
        template_ids = [tid for tid, _ in templates]
        names = [tasks.default_name(stem, i, tid) for i, tid in enumerate(template_ids)]
        renditions = tasks.resolve_renditions(current.project_id, template_ids, names)
    except (NotFound, ApiError) as exc:
        return _fail(current, f"The template group cannot be used: {exc}")
    tasks.queue_task(
        current.project_id,
        source_key=current.doc.object_key,
        out_dir=f"{keys.output_prefix(current.project_id)}videos/{current.id}/",
        renditions=renditions,
        template_ids=template_ids,
        video_id=current.id,
        task_id=int(current.doc.transcode_task_id or 0),
        # a video uploaded into an authorized bucket gets its renditions beside it
        source_bucket=current.doc.bucket,
        output_bucket=current.doc.bucket,
    )
    return current


def _fail(video: Record[VideoDoc], reason: str) -> Record[VideoDoc]:
    def fail(current: Record[VideoDoc]) -> Record[VideoDoc] | None:
        if current.status != VideoState.TRANSCODING:
            return None
        failure = Failure(code="TranscodeFail", message=reason)
        return current.evolve(status=VideoState.TRANSCODE_FAIL, failure=failure)

    failed = store.update(VideoDoc, video.project_id, video.id, fail)
    if failed.status == VideoState.TRANSCODE_FAIL:
        publish_video_transcoded(failed, [])
    return failed


def _streams(task: Record[TaskDoc]) -> list[dict[str, Any]]:
    streams = []
    detail = task.doc.transcode_detail or {}
    details = {m["template_id"]: m for m in detail.get("multitask_info", [])}
    for output in task.doc.outputs:
        media = details.get(output.template_id, {}).get("output_file") or {}
        video = media.get("video_info") or {}
        streams.append(
            {
                "Status": "success",
                "JobId": task.id,
                "TemplateId": str(output.template_id),
                "FileUrl": objects.public_url(
                    task.doc.output_dir + (output.main_file or ""), bucket=task.doc.output_bucket
                ),
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


def task_ended(task: Record[TaskDoc]) -> None:
    """The video whose template group this task ran: Normal or TranscodeFail, and its event."""
    video_id = task.doc.video_id
    if not video_id or task.status not in (TaskState.SUCCEEDED, TaskState.FAILED, TaskState.CANCELED):
        return
    target = VideoState.NORMAL if task.status == TaskState.SUCCEEDED else VideoState.TRANSCODE_FAIL
    streams = _streams(task)

    def settle(current: Record[VideoDoc]) -> Record[VideoDoc] | None:
        if current.status != VideoState.TRANSCODING or current.doc.transcode_task_id != task.id:
            return None
        return current.evolve(status=target, streams=streams)

    try:
        video = store.update(VideoDoc, task.project_id, video_id, settle)
    except (NotFound, Conflict):
        return
    if video.status == target and video.doc.transcode_task_id == task.id:
        publish_video_transcoded(video, streams)
