"""MPC ``SourceInfo`` (seed 003) from probed media info."""

from __future__ import annotations

from typing import Any

from mediaflow.media.models import MediaInfo

_CODEC_NAMES = {"h264": "H264", "hevc": "HEVC", "aac": "AAC", "mp3": "MP3", "vp9": "VP9", "av1": "AV1"}
_FORMAT_NAMES = {"hls": "HLS", "dash": "DASH", "mp3": "MP3", "adts": "ADTS", "aac": "ADTS"}


def codec_name(codec: str | None) -> str:
    """A codec as MPC names it (``H264``, ``HEVC``, ``AAC`` ...)."""
    return _CODEC_NAMES.get(codec or "", (codec or "").upper())


def _format(info: MediaInfo, hint: str | None) -> str:
    if hint:
        return hint
    first = (info.format_name or "").split(",")[0]
    return _FORMAT_NAMES.get(first, "MP4" if "mp4" in (info.format_name or "") else first.upper())


def source_info(
    info: MediaInfo | None, *, size: int | None = None, format_hint: str | None = None
) -> dict[str, Any]:
    if info is None:
        return {}
    duration = float(info.duration_s or 0)
    view: dict[str, Any] = {
        "duration": round(duration),
        "duration_ms": round(duration * 1000),
        "format": _format(info, format_hint),
        "size": int(size if size is not None else info.size or 0),
        "audio_info": [
            {
                "codec": _CODEC_NAMES.get(a.codec or "", (a.codec or "").upper()),
                "sample": int(a.sample_rate or 0),
                "channels": int(a.channels or 0),
                "bitrate": round((a.bitrate or 0) / 1000),
                "bitrate_bps": int(a.bitrate or 0),
            }
            for a in info.audio
        ],
    }
    video = info.video
    if video is not None:
        view["video_info"] = {
            "width": int(video.display_width or video.width or 0),
            "height": int(video.display_height or video.height or 0),
            "bitrate": round((video.bitrate or 0) / 1000),
            "bitrate_bps": int(video.bitrate or 0),
            "frame_rate": round(video.frame_rate or 0),
            "codec": _CODEC_NAMES.get(video.codec or "", (video.codec or "").upper()),
        }
    return view
