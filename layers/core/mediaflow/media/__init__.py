"""Media inspection with the static ffmpeg/ffprobe from the FfmpegLayer."""

from mediaflow.media.binaries import BinaryNotFoundError, ffmpeg_path, ffprobe_path, find_binary, media_env
from mediaflow.media.models import AudioStreamInfo, MediaInfo, VideoStreamInfo, not_media_reason
from mediaflow.media.probe import ProbeError, ProbeErrorCode, probe

__all__ = [
    "AudioStreamInfo",
    "BinaryNotFoundError",
    "MediaInfo",
    "ProbeError",
    "ProbeErrorCode",
    "VideoStreamInfo",
    "ffmpeg_path",
    "ffprobe_path",
    "find_binary",
    "media_env",
    "not_media_reason",
    "probe",
]
