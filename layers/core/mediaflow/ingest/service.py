"""VOD URL-ingest operations: UploadMediaByURL and GetURLUploadInfos (seed 004).

Each URL becomes one video (created as CreateUploadVideo creates it, status Uploading, plus
``url_job_id``) and one job (PENDING) whose message goes to the fetch queue. The worker stores the
source at the video's upload key, so the normal upload path probes and announces it.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import unquote

from mediaflow import clock, ids, queues
from mediaflow.api import vod_errors
from mediaflow.errors import ApiError, Conflict
from mediaflow.ingest import url_jobs, views
from mediaflow.ingest.codes import JobFailure
from mediaflow.ingest.fetch_worker import message_body
from mediaflow.ingest.models import (
    SourceUrl,
    UploadMediaByURLRequest,
    UploadMetadata,
    keys_of,
    match_metadata,
    parse_upload_urls,
    split_list,
)
from mediaflow.ingest.records import UrlJobDoc, UrlSessionDoc
from mediaflow.observability import logger
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.settings import get_settings
from mediaflow.storage import keys
from mediaflow.uploads import storage_location
from mediaflow.uploads.models import parse_user_data
from mediaflow.uploads.records import VideoDoc
from mediaflow.uploads.service import NO_TRANSCODE_GROUP, check_callback, check_template_group

MAX_QUERY_ITEMS = 10  # JobIds or UploadURLs per GetURLUploadInfos
MAX_JOBS_PER_URL = 100  # VOD returns at most 100 jobs of a URL uploaded many times
DUPLICATE_SESSION = vod_errors.DUPLICATE_SESSION
NOT_QUEUED = JobFailure("InternalError", "The job could not be queued; submit the URL again.")


def upload_media_by_url(project_id: str, request: UploadMediaByURLRequest) -> dict[str, Any]:
    queue_url = get_settings().ingest.fetch_queue_url
    if not queue_url:
        raise RuntimeError("MEDIAFLOW_URL_FETCH_QUEUE_URL is not set")
    sources = parse_upload_urls(request.UploadURLs, allow_loopback=get_settings().allow_loopback)
    metadatas = match_metadata(sources, request.UploadMetadatas)
    user_data = parse_user_data(request.UserData)
    callback = user_data.MessageCallback.CallbackURL if user_data and user_data.MessageCallback else None
    if callback:
        check_callback(callback)
    for group in {_group(request, meta) for meta in metadatas}:
        check_template_group(project_id, group)
    bucket = storage_location.upload_bucket(project_id, request.StorageLocation)
    if request.SessionId:
        _use_session(project_id, request.SessionId)
    common = {
        "user_data": request.user_data_text,
        "callback_url": callback,
        "extend": user_data.Extend if user_data else None,
        "bucket": bucket,
    }
    created = [
        _create(project_id, source, meta, _group(request, meta), common)
        for source, meta in zip(sources, metadatas, strict=True)
    ]
    _enqueue(queue_url, created)
    return {"UploadJobs": [{"JobId": job.id, "SourceURL": job.doc.upload_url} for job in created]}


def _group(request: UploadMediaByURLRequest, meta: UploadMetadata | None) -> str | None:
    return (meta.TemplateGroupId if meta and meta.TemplateGroupId else None) or request.TemplateGroupId


def _use_session(project_id: str, session_id: str) -> None:
    """Claim ``session_id`` for the dedupe window (a conditional create; an expired one is renewed)."""
    now, window = int(time.time()), get_settings().ingest.session_window_s
    used = new_record(
        UrlSessionDoc(used_at=now),
        project_id,
        session_id,
        clock.key_time(clock.now()),
        expires_at=now + window,
    )
    try:
        store.create(used)
        return
    except Conflict:
        pass

    def renew(current: Record[UrlSessionDoc]) -> Record[UrlSessionDoc]:
        if (current.expires_at or 0) > now:  # the table's TTL deletes expired items only eventually
            raise DUPLICATE_SESSION
        return replace(current.evolve(used_at=now), expires_at=now + window)

    store.update(UrlSessionDoc, project_id, session_id, renew)


def _file_name(source: SourceUrl, extension: str) -> str:
    name = source.file_name.strip() or "source"
    stem = name.rsplit(".", 1)[0] if source.extension else name
    return f"{stem or 'source'}.{extension}"[-255:]


def _create(
    project_id: str,
    source: SourceUrl,
    meta: UploadMetadata | None,
    group: str | None,
    common: dict[str, Any],
) -> Record[UrlJobDoc]:
    """The job's video (the same record CreateUploadVideo makes) and the job itself."""
    video_id, job_id = ids.new_hex_id(), ids.new_hex_id()
    extension = (meta.FileExtension if meta and meta.FileExtension else None) or source.extension or ""
    key = keys.upload_key(project_id, video_id, extension)
    file_name = _file_name(source, extension)
    created_at = clock.key_time(clock.now())
    video_doc = VideoDoc(
        title=(meta.Title if meta and meta.Title else None) or file_name[:128],
        file_name=file_name,
        file_size=meta.FileSize if meta else None,
        description=meta.Description if meta else None,
        tags=[t for t in ((meta.Tags if meta else None) or "").split(",") if t],
        template_group_id=None if group == NO_TRANSCODE_GROUP else group,
        **common,
        object_key=key,
        url_job_id=job_id,
    )
    store.create(new_record(video_doc, project_id, video_id, created_at))
    job_doc = UrlJobDoc(
        upload_url=source.text, fetch_url=source.fetch_url, video_id=video_id, object_key=key, **common
    )
    return store.create(url_jobs.new_job(project_id, job_id, source.key, created_at, job_doc))


def _enqueue(queue_url: str, created: list[Record[UrlJobDoc]]) -> None:
    """One message per job (sent twice at most); a job whose message cannot be sent ends at once
    (InternalError)."""
    pending = created
    for _ in range(2):
        refused = queues.send(queue_url, [message_body(job.project_id, job.id) for job in pending])
        pending = [pending[i] for i in refused]
        if not pending:
            return
    for job in pending:
        logger.error("url job could not be queued", extra={"job_id": job.id})
        url_jobs.fail(job.project_id, job.id, NOT_QUEUED)


def _too_many(name: str, count: int) -> ApiError:
    message = f"The specified parameter {name} is not valid: {count} given, at most {MAX_QUERY_ITEMS}."
    return vod_errors.invalid_message(message)


def get_url_upload_infos(project_id: str, job_ids: str | None, upload_urls: str | None) -> dict[str, Any]:
    """By JobIds (wins when both are given) or by UploadURLs; unknown ones go to NonExists."""
    wanted_ids, wanted_urls = split_list(job_ids or ""), split_list(upload_urls or "")
    if wanted_ids:
        if len(wanted_ids) > MAX_QUERY_ITEMS:
            raise _too_many("JobIds", len(wanted_ids))
        unique = list(dict.fromkeys(wanted_ids))
        found = {
            r.id: r for r in store.get_many(UrlJobDoc, project_id, [i for i in unique if ids.is_hex_id(i)])
        }
        infos = [views.url_upload_info(found[i]) for i in unique if i in found]
        return {"NonExists": [i for i in unique if i not in found], "URLUploadInfoList": infos}
    if not wanted_urls:
        message = "The input parameter JobIds or UploadURLs that is mandatory is not supplied."
        raise vod_errors.missing(message)
    if len(wanted_urls) > MAX_QUERY_ITEMS:
        raise _too_many("UploadURLs", len(wanted_urls))
    missing: list[str] = []
    infos = []
    for item in dict.fromkeys(wanted_urls):
        records = {
            r.id: r
            for key in keys_of(item)
            for r in store.find_by_lookup(
                UrlJobDoc, url_jobs.lookup_pk(project_id, key), limit=MAX_JOBS_PER_URL
            )
        }
        if not records:
            missing.append(unquote(item))
        newest = sorted(records.values(), key=lambda r: (r.created_at, r.id), reverse=True)
        infos += [views.url_upload_info(r) for r in newest[:MAX_JOBS_PER_URL]]
    return {"NonExists": missing, "URLUploadInfoList": infos}
