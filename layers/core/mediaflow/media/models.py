"""What ffprobe tells us about a file, as typed models, plus the "is this media?" decision.

Parsing is pure (ffprobe JSON in, models out) so it is unit-tested without subprocesses.
ffprobe prints most numbers as strings and uses "N/A" or "0/0" for unknowns; the helpers
below turn all of those into ``None``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

# Demuxers that only ever hold still images (image2 also covers image sequences, which are not
# uploads we transcode).
# GIFs, animated or not, are images for our purposes.
IMAGE_FORMATS = frozenset({"image2", "image2pipe", "gif", "apng"})
# Codecs of still images; "mjpeg" is also Motion-JPEG video, so it only counts as an image
# together with an image demuxer or a single frame.
IMAGE_CODECS = frozenset({"png", "mjpeg", "bmp", "webp", "tiff", "jpeg2000", "jpegls", "gif", "ppm", "pgm"})
# "none"/"unknown": ffprobe could not identify the codec. The rest are ffmpeg's decoders for text
# files (ANSI art, .bin/.xbin/.idf text modes): ffprobe reports a .txt as a "tty" video stream.
NOT_MEDIA_CODECS = frozenset({"", "none", "unknown", "ansi", "bintext", "xbin", "idf"})


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return None
        return int(number) if math.isfinite(number) else None


def _float(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _pos_int(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and number > 0 else None


def _pos_float(value: Any) -> float | None:
    number = _float(value)
    return number if number is not None and number > 0 else None


def parse_rate(value: Any) -> float | None:
    """ffprobe rational ("30000/1001", "25/1", "0/0") or number -> frames per second."""
    if not isinstance(value, str | int | float) or value in ("", "N/A"):
        return None
    try:
        rate = Fraction(value)
    except (ValueError, ZeroDivisionError):
        return None
    return float(rate) if rate > 0 else None


def rotation_of(stream: Mapping[str, Any]) -> int:
    """Clockwise rotation (0, 90, 180, 270) a player applies when displaying the stream.

    ffprobe >= 5 reports the display matrix as ``side_data_list[].rotation`` in degrees
    *counter-clockwise* (an iPhone portrait clip says -90); older builds and some demuxers only
    set the legacy ``tags.rotate``, which is already clockwise (the same clip says "90").
    """
    for side_data in stream.get("side_data_list") or []:
        ccw = _float(side_data.get("rotation")) if isinstance(side_data, Mapping) else None
        if ccw is not None:
            return round(-ccw) % 360
    clockwise = _float((stream.get("tags") or {}).get("rotate"))
    return round(clockwise) % 360 if clockwise is not None else 0


class VideoStreamInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    codec: str
    width: int
    height: int
    display_width: int  # after rotation: a 1920x1080 stream rotated 90 degrees displays 1080x1920
    display_height: int
    rotation: int  # clockwise degrees, see rotation_of()
    frame_rate: float | None  # from avg_frame_rate, falling back to r_frame_rate
    avg_frame_rate: str | None
    bitrate: int | None
    pix_fmt: str | None
    profile: str | None
    nb_frames: int | None
    duration_s: float | None
    sample_aspect_ratio: float | None = None  # pixel shape (1.0: square); None when unknown
    display_aspect_ratio: str | None = None  # as ffprobe states it, e.g. "16:9"
    language: str | None = None  # ISO 639 tag of the stream, when the container has one

    @classmethod
    def from_ffprobe(cls, stream: Mapping[str, Any]) -> VideoStreamInfo:
        width, height = _int(stream.get("width")) or 0, _int(stream.get("height")) or 0
        rotation = rotation_of(stream)
        swapped = rotation in (90, 270)
        avg = stream.get("avg_frame_rate")
        return cls(
            index=_int(stream.get("index")) or 0,
            codec=str(stream.get("codec_name") or ""),
            width=width,
            height=height,
            display_width=height if swapped else width,
            display_height=width if swapped else height,
            rotation=rotation,
            frame_rate=parse_rate(avg) or parse_rate(stream.get("r_frame_rate")),
            avg_frame_rate=avg if parse_rate(avg) else None,
            bitrate=_pos_int(stream.get("bit_rate")),
            pix_fmt=stream.get("pix_fmt"),
            profile=stream.get("profile"),
            nb_frames=_int(stream.get("nb_frames")),
            duration_s=_pos_float(stream.get("duration")),
            sample_aspect_ratio=parse_ratio(stream.get("sample_aspect_ratio")),
            display_aspect_ratio=_ratio_text(stream.get("display_aspect_ratio")),
            language=_language(stream),
        )


class AudioStreamInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    index: int
    codec: str
    sample_rate: int | None
    channels: int | None
    channel_layout: str | None
    bitrate: int | None
    duration_s: float | None
    profile: str | None = None
    language: str | None = None

    @classmethod
    def from_ffprobe(cls, stream: Mapping[str, Any]) -> AudioStreamInfo:
        return cls(
            index=_int(stream.get("index")) or 0,
            codec=str(stream.get("codec_name") or ""),
            sample_rate=_pos_int(stream.get("sample_rate")),
            channels=_pos_int(stream.get("channels")),
            channel_layout=stream.get("channel_layout"),
            bitrate=_pos_int(stream.get("bit_rate")),
            duration_s=_pos_float(stream.get("duration")),
            profile=stream.get("profile"),
            language=_language(stream),
        )


def parse_ratio(value: Any) -> float | None:
    """ffprobe's "4:3" (or "0:1" / "N/A" when unknown) as a number."""
    if not isinstance(value, str) or ":" not in value:
        return None
    num, _, den = value.partition(":")
    try:
        ratio = float(Fraction(int(num), int(den)))
    except (ValueError, ZeroDivisionError):
        return None
    return ratio if ratio > 0 else None


def _ratio_text(value: Any) -> str | None:
    return value if parse_ratio(value) is not None else None


def _language(stream: Mapping[str, Any]) -> str | None:
    language = (stream.get("tags") or {}).get("language")
    return str(language) if language and language != "und" else None


def _is_cover_art(stream: Mapping[str, Any]) -> bool:
    # Album art in mp3/m4a shows up as a one-picture "video" stream.
    disposition = stream.get("disposition") or {}
    return bool(disposition.get("attached_pic") or disposition.get("timed_thumbnails"))


def _streams(data: Mapping[str, Any], codec_type: str) -> list[Mapping[str, Any]]:
    streams = [s for s in data.get("streams") or [] if isinstance(s, Mapping)]
    return [
        s
        for s in streams
        if s.get("codec_type") == codec_type
        and str(s.get("codec_name") or "") not in NOT_MEDIA_CODECS
        and not (codec_type == "video" and _is_cover_art(s))
    ]


def _is_still_image(data: Mapping[str, Any], stream: Mapping[str, Any]) -> bool:
    fmt: Mapping[str, Any] = data.get("format") or {}
    format_names = set(str(fmt.get("format_name") or "").split(","))
    if format_names & IMAGE_FORMATS or any(name.endswith("_pipe") for name in format_names):
        return True  # png_pipe, jpeg_pipe, webp_pipe, ...
    if stream.get("codec_name") not in IMAGE_CODECS:
        return False
    frames = _int(stream.get("nb_frames"))
    if frames is not None:
        return frames <= 1
    # Frame count unknown (e.g. Matroska): an image codec without any duration is a picture.
    return not (_pos_float(stream.get("duration")) or _pos_float(fmt.get("duration")))


class MediaInfo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    format_name: str
    format_long_name: str | None
    duration_s: float
    size: int  # bytes; 0 if ffprobe could not tell (a non-seekable source)
    bitrate: int | None  # bit/s, the whole file
    video: VideoStreamInfo | None  # the first real video stream (cover art is not video)
    audio: list[AudioStreamInfo]
    videos: list[VideoStreamInfo] = []  # every real video stream (``video`` is the first)

    @property
    def duration_ms(self) -> int:
        return round(self.duration_s * 1000)

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return bool(self.audio)

    @classmethod
    def from_ffprobe(cls, data: Mapping[str, Any]) -> MediaInfo:
        """Parse ``ffprobe -print_format json -show_format -show_streams`` output."""
        fmt: Mapping[str, Any] = data.get("format") or {}
        videos = [
            VideoStreamInfo.from_ffprobe(s) for s in _streams(data, "video") if not _is_still_image(data, s)
        ]
        video = videos[0] if videos else None
        audio = [AudioStreamInfo.from_ffprobe(s) for s in _streams(data, "audio")]
        stream_durations = [s.duration_s for s in [video, *audio] if s is not None and s.duration_s]
        duration = _pos_float(fmt.get("duration")) or max(stream_durations, default=0.0)
        size = _pos_int(fmt.get("size")) or 0
        bitrate = _pos_int(fmt.get("bit_rate"))
        if bitrate is None and size and duration:
            bitrate = round(size * 8 / duration)
        return cls(
            format_name=str(fmt.get("format_name") or ""),
            format_long_name=fmt.get("format_long_name"),
            duration_s=float(duration),
            size=size,
            bitrate=bitrate,
            video=video,
            audio=audio,
            videos=videos,
        )


def not_media_reason(data: Mapping[str, Any]) -> str | None:
    """Why ffprobe output does not describe playable media, or None if it does.

    Media means at least one audio or video stream with a known codec and a positive duration;
    still images (PNG, JPEG, single-frame video) and files without such streams are not.
    """
    if not data.get("streams"):
        return "no streams"
    info = MediaInfo.from_ffprobe(data)
    if info.video is None and not info.audio:
        if _streams(data, "video"):
            return "still image, not a video"
        return "no audio or video stream with a known codec"
    if info.duration_s <= 0:
        return "no positive duration"
    return None
