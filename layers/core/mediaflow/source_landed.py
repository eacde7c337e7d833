"""An object landed under ``uploads/``: settle its video, then start what depends on the verdict.

One step, idempotent per object version (Powertools idempotency on bucket/key/version, so a
duplicated S3 or SQS event is processed once): the upload path settles the video
(``uploads.upload_events``); then a video with a template group gets its transcoding task
(``transcode.video_tasks``) and a video made by UploadMediaByURL ends its URL job
(``ingest.url_jobs``). Both follow-ups are themselves idempotent, and they also run for a
repeated object version, so a step that failed after the video settled is finished by the retry.
This module sits above the three packages so that none of them imports another.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from functools import cache
from typing import Any

from mediaflow import idempotency
from mediaflow.ingest import url_jobs
from mediaflow.records.states import VideoState
from mediaflow.transcode import video_tasks
from mediaflow.uploads.upload_events import LandedObject, landed_objects, process_landed


def process(obj: LandedObject, *, final_attempt: bool = False) -> str:
    began = time.monotonic()
    settled = process_landed(obj, final_attempt=final_attempt)
    video = settled.video
    if video is None or settled.outcome == "stale":
        return settled.outcome
    if video.doc.template_group_id and video.status in (VideoState.UPLOAD_SUCC, VideoState.TRANSCODING):
        video = video_tasks.start_for_video(video)
    if video.doc.url_job_id:
        seconds = time.monotonic() - began
        url_jobs.settle_from_video(video.project_id, video.doc.url_job_id, video, cost_s=seconds)
    return settled.outcome if settled.outcome == "duplicate" else str(video.status)


def _process_once(landed: dict[str, Any], final_attempt: bool) -> str:
    fields = {k: v for k, v in landed.items() if k != "identity"}
    return process(LandedObject(**fields), final_attempt=final_attempt)


@cache
def _guarded() -> Any:
    return idempotency.once(_process_once, key_path="identity", data_keyword="landed", name="upload-event")


def handle_message(body: str, receive_count: int, max_receives: int = 5) -> list[str]:
    """One SQS message from the bucket's notification (it may carry several records)."""
    final_attempt = receive_count >= max_receives
    return [
        _guarded()(landed={**asdict(obj), "identity": obj.identity}, final_attempt=final_attempt)
        for obj in landed_objects(json.loads(body))
    ]
