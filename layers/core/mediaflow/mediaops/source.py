"""Reading a task's source: the one probe (``media.probe``, the upload path's), with MPC's task
failure codes for what can be wrong with it.

- ``MPC.10052`` the input object is gone (deleted after the task was created);
- ``MPC.10066`` the input is not audio/video (a text file, a single image, a playlist);
- ``MPC.10068`` the input has no video stream, for an operation on pictures (snapshots, GIFs);
- ``MPC.10125`` the input cannot be read (corrupt, truncated, probe timed out).
"""

from __future__ import annotations

from mediaflow.jobs.kind import JobFailed
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import ProbeError, ProbeErrorCode, probe
from mediaflow.settings import get_settings
from mediaflow.storage import objects

INPUT_MISSING = "MPC.10052"
NOT_MEDIA = "MPC.10066"
NO_VIDEO = "MPC.10068"
INPUT_DATA = "MPC.10125"


def probe_source(key: str, *, bucket: str | None = None) -> MediaInfo:
    try:
        return probe(objects.presigned_get(key, bucket=bucket), timeout_s=get_settings().probe_timeout_s)
    except ProbeError as exc:
        if exc.code == ProbeErrorCode.NOT_MEDIA:
            raise JobFailed(NOT_MEDIA, f"The input file is not a media file: {exc.message}.") from exc
        if exc.code == ProbeErrorCode.SOURCE_UNAVAILABLE:
            raise JobFailed(INPUT_MISSING, "The input file does not exist or cannot be read.") from exc
        raise JobFailed(INPUT_DATA, f"The input file cannot be read: {exc.message}.") from exc


def require_video(info: MediaInfo) -> MediaInfo:
    if info.video is None:
        raise JobFailed(NO_VIDEO, "The input file has no video stream (audio only): no picture can be taken.")
    return info
