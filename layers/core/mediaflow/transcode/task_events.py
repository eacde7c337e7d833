"""TranscodeStart / TranscodeComplete domain events (MPC family), and the VOD TranscodeComplete of a
video whose template group ran."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.events.model import CallbackTarget, new_event
from mediaflow.events.publisher import publish
from mediaflow.jobs.states import Kind
from mediaflow.jobs.store import Record
from mediaflow.transcode.task_views import transcode_info


def publish_task_event(record: Record, event_type: str) -> None:
    publish(
        new_event(
            event_type=event_type,
            family="mpc",
            project_id=record.project_id,
            resource_kind=Kind.TRANSCODE.value,
            resource_id=record.id,
            version=record.version,
            occurred_at=clock.now(),
            payload={"event_type": event_type, "transcode_info": transcode_info(record)},
        )
    )


def publish_video_transcoded(video: Record, streams: list[dict[str, Any]]) -> None:
    """VOD ``TranscodeComplete``: one per video once its template group's task has ended."""
    moment = clock.now()
    payload: dict[str, Any] = {
        "EventTime": clock.iso_z(moment),
        "EventType": "TranscodeComplete",
        "VideoId": video.id,
        "Status": "success" if video.status == "Normal" else "fail",
        "StreamInfos": streams,
    }
    if video.doc.get("extend") is not None:
        payload["Extend"] = video.doc["extend"]
    callback = CallbackTarget(url=video.doc["callback_url"]) if video.doc.get("callback_url") else None
    publish(
        new_event(
            event_type="TranscodeComplete",
            family="vod",
            project_id=video.project_id,
            resource_kind=Kind.VIDEO.value,
            resource_id=video.id,
            version=video.version,
            occurred_at=moment,
            payload=payload,
            callback=callback,
        )
    )
