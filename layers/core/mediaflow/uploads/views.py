"""How a video record reads in VOD responses and events (GetVideoInfo + GetMezzanineInfo shape)."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.jobs.store import Record
from mediaflow.settings import get_settings
from mediaflow.storage import objects


def _iso(key_time: str) -> str:
    return clock.iso_z(clock.parse_key_time(key_time)) if key_time else ""


def _mezzanine(record: Record) -> dict[str, Any] | None:
    media = record.doc.get("media")
    if not media:
        return None
    video = media.get("video") or {}
    audio = media.get("audio") or []
    mezzanine: dict[str, Any] = {
        "VideoId": record.id,
        "FileName": record.doc.get("file_name"),
        "FileURL": objects.public_url(record.doc["object_key"]),
        "Size": str(media.get("size") or record.doc.get("size") or 0),
        "Duration": f"{float(media.get('duration_s') or 0):.3f}",
        "FileFormat": media.get("format_name"),
        "Bitrate": str(round((media.get("bitrate") or 0) / 1000)),
        "VideoStreamList": [],
        "AudioStreamList": [
            {
                "Index": str(i),
                "CodecName": a.get("codec"),
                "SampleRate": str(a.get("sample_rate") or ""),
                "Channels": str(a.get("channels") or ""),
                "ChannelLayout": a.get("channel_layout") or "",
                "Bitrate": str(round((a.get("bitrate") or 0) / 1000)),
            }
            for i, a in enumerate(audio)
        ],
    }
    if video:
        width = video.get("display_width") or video.get("width")
        height = video.get("display_height") or video.get("height")
        mezzanine.update(
            {"Width": width, "Height": height, "Fps": f"{float(video.get('frame_rate') or 0):g}"}
        )
        mezzanine["VideoStreamList"] = [
            {
                "Index": "0",
                "CodecName": video.get("codec"),
                "Profile": video.get("profile") or "",
                "Width": str(video.get("width")),
                "Height": str(video.get("height")),
                "Rotate": str(video.get("rotation") or 0),
                "Fps": f"{float(video.get('frame_rate') or 0):g}",
                "PixFmt": video.get("pix_fmt") or "",
                "Bitrate": str(round((video.get("bitrate") or 0) / 1000)),
            }
        ]
    return mezzanine


def video_info(record: Record) -> dict[str, Any]:
    doc = record.doc
    media = doc.get("media") or {}
    video: dict[str, Any] = {
        "VideoId": record.id,
        "Title": doc.get("title"),
        "Description": doc.get("description") or "",
        "Tags": ",".join(doc.get("tags") or []),
        "Status": record.status,
        "Size": int(media.get("size") or doc.get("size") or doc.get("file_size") or 0),
        "Duration": round(float(media.get("duration_s") or 0), 3),
        "CreationTime": _iso(record.created_at),
        "ModificationTime": _iso(record.updated_at),
        "TemplateGroupId": doc.get("template_group_id") or "",
        "StorageLocation": objects.public_url("").rstrip("/"),
        "RegionId": get_settings().region,
    }
    if doc.get("transcode_task_id"):
        video["TranscodeTaskId"] = doc["transcode_task_id"]  # the MPC task running its template group
    failure = doc.get("failure")
    if failure:
        video["ErrorCode"], video["ErrorMessage"] = failure["code"], failure["message"]
    answer: dict[str, Any] = {"Video": video}
    mezzanine = _mezzanine(record)
    if mezzanine:
        answer["Mezzanine"] = mezzanine
    return answer


def file_upload_complete(record: Record, event_time: str) -> dict[str, Any]:
    """The VOD ``FileUploadComplete`` callback body."""
    body: dict[str, Any] = {
        "EventTime": event_time,
        "EventType": "FileUploadComplete",
        "VideoId": record.id,
        "Status": "success",
        "Size": int((record.doc.get("media") or {}).get("size") or 0),
        "FileUrl": objects.public_url(record.doc["object_key"]),
    }
    if record.doc.get("extend") is not None:
        body["Extend"] = record.doc["extend"]
    return body
