"""TranscodeStart / TranscodeComplete domain events (MPC family), and the VOD TranscodeComplete of a
video whose template group ran."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.events.publisher import publish_for, request_callback
from mediaflow.records.model import Record
from mediaflow.records.states import VideoState
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_views import transcode_info
from mediaflow.uploads.records import VideoDoc


def publish_task_event(record: Record[TaskDoc], event_type: str) -> None:
    payload = {"event_type": event_type, "transcode_info": transcode_info(record)}
    publish_for(record, event_type=event_type, family="mpc", payload=payload)


def publish_video_transcoded(video: Record[VideoDoc], streams: list[dict[str, Any]]) -> None:
    """VOD ``TranscodeComplete``: one per video once its template group's task has ended."""
    moment = clock.now()
    payload: dict[str, Any] = {
        "EventTime": clock.iso_z(moment),
        "EventType": "TranscodeComplete",
        "VideoId": video.id,
        "Status": "success" if video.status == VideoState.NORMAL else "fail",
        "StreamInfos": streams,
    }
    if video.doc.extend is not None:
        payload["Extend"] = video.doc.extend
    callback = request_callback(video.doc.callback_url)
    publish_for(
        video,
        event_type="TranscodeComplete",
        family="vod",
        payload=payload,
        callback=callback,
        occurred_at=moment,
    )
