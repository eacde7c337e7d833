"""How a video record reads in VOD responses and events (GetVideoInfo + GetMezzanineInfo shape)."""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.records.model import Record
from mediaflow.settings import get_settings
from mediaflow.storage import objects
from mediaflow.uploads.records import VideoDoc


def _iso(key_time: str) -> str:
    return clock.iso_z(clock.parse_key_time(key_time)) if key_time else ""


def _kbps(bitrate: int | None) -> str:
    return str(round((bitrate or 0) / 1000))


def _mezzanine(record: Record[VideoDoc]) -> dict[str, Any] | None:
    media = record.doc.media
    if media is None:
        return None
    video = media.video
    mezzanine: dict[str, Any] = {
        "VideoId": record.id,
        "FileName": record.doc.file_name,
        "FileURL": objects.public_url(record.doc.object_key, bucket=record.doc.bucket),
        "Size": str(media.size or record.doc.size or 0),
        "Duration": f"{media.duration_s:.3f}",
        "FileFormat": media.format_name,
        "Bitrate": _kbps(media.bitrate),
        "VideoStreamList": [],
        "AudioStreamList": [
            {
                "Index": str(i),
                "CodecName": a.codec,
                "SampleRate": str(a.sample_rate or ""),
                "Channels": str(a.channels or ""),
                "ChannelLayout": a.channel_layout or "",
                "Bitrate": _kbps(a.bitrate),
            }
            for i, a in enumerate(media.audio)
        ],
    }
    if video is not None:
        fps = f"{float(video.frame_rate or 0):g}"
        width, height = video.display_width or video.width, video.display_height or video.height
        mezzanine.update({"Width": width, "Height": height, "Fps": fps})
        mezzanine["VideoStreamList"] = [
            {
                "Index": "0",
                "CodecName": video.codec,
                "Profile": video.profile or "",
                "Width": str(video.width),
                "Height": str(video.height),
                "Rotate": str(video.rotation or 0),
                "Fps": fps,
                "PixFmt": video.pix_fmt or "",
                "Bitrate": _kbps(video.bitrate),
            }
        ]
    return mezzanine


def video_info(record: Record[VideoDoc]) -> dict[str, Any]:
    doc, media = record.doc, record.doc.media
    video: dict[str, Any] = {
        "VideoId": record.id,
        "Title": doc.title,
        "Description": doc.description or "",
        "Tags": ",".join(doc.tags),
        "Status": record.status,
        "Size": int((media.size if media else 0) or doc.size or doc.file_size or 0),
        "Duration": round(media.duration_s if media else 0.0, 3),
        "CreationTime": _iso(record.created_at),
        "ModificationTime": _iso(record.updated_at),
        "TemplateGroupId": doc.template_group_id or "",
        "StorageLocation": objects.public_url("", bucket=doc.bucket).rstrip("/"),
        "RegionId": get_settings().region,
    }
    if doc.transcode_task_id:
        video["TranscodeTaskId"] = doc.transcode_task_id  # the MPC task running its template group
    if doc.failure:
        video["ErrorCode"], video["ErrorMessage"] = doc.failure.code, doc.failure.message
    answer: dict[str, Any] = {"Video": video}
    mezzanine = _mezzanine(record)
    if mezzanine:
        answer["Mezzanine"] = mezzanine
    return answer


def file_upload_complete(record: Record[VideoDoc], event_time: str) -> dict[str, Any]:
    """The VOD ``FileUploadComplete`` callback body."""
    body: dict[str, Any] = {
        "EventTime": event_time,
        "EventType": "FileUploadComplete",
        "VideoId": record.id,
        "Status": "success",
        "Size": int(record.doc.media.size if record.doc.media else 0),
        "FileUrl": objects.public_url(record.doc.object_key, bucket=record.doc.bucket),
    }
    if record.doc.extend is not None:
        body["Extend"] = record.doc.extend
    return body
