"""File extensions VOD accepts for audio/video sources (case-insensitive)."""

from __future__ import annotations

VIDEO_EXTENSIONS = frozenset(
    [
        "3gp",
        "asf",
        "avi",
        "dat",
        "dv",
        "flv",
        "f4v",
        "gif",
        "m2t",
        "m2ts",
        "m4v",
        "mj2",
        "mjpeg",
        "mkv",
        "mov",
        "mp4",
        "mpe",
        "mpeg",
        "mpg",
        "mts",
        "mxf",
        "ogg",
        "qt",
        "rm",
        "rmvb",
        "swf",
        "ts",
        "vob",
        "webm",
        "wmv",
    ]
)
AUDIO_EXTENSIONS = frozenset(
    ["aac", "ac3", "acm", "amr", "ape", "caf", "flac", "m4a", "mp3", "ogg", "opus", "ra", "wav", "wma"]
)
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
# For the OpenAPI document: a name ending in one of them (lower case; the API takes any case).
MEDIA_NAME_PATTERN = r"^[^/\\]{1,200}\.(" + "|".join(sorted(MEDIA_EXTENSIONS)) + ")$"


def media_extension(file_name: str) -> str | None:
    """The lower-cased extension if it is a supported media one, else None."""
    base = file_name.rsplit("/", 1)[-1]
    if "." not in base.strip("."):
        return None
    ext = base.rsplit(".", 1)[-1].lower()
    return ext if ext in MEDIA_EXTENSIONS else None
