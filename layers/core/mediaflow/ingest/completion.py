"""Called by the upload path (``uploads.upload_events.process_landed``) once a video that came from a
URL job has settled its source: the job ends SUCCESS (UploadSucc) or UPLOAD_FAIL (the probe's
code, NotMedia for a text file), and UploadByURLComplete is published. Safe to call repeatedly."""

from __future__ import annotations

from mediaflow.ingest import jobs
from mediaflow.jobs.store import Record


def video_settled(video: Record) -> None:
    job_id = video.doc.get("url_job_id")
    if job_id:
        jobs.settle_from_video(video.project_id, str(job_id), video)
