"""VOD upload operations: CreateUploadVideo, RefreshUploadVideo, GetVideoInfo."""

from __future__ import annotations

from typing import Any

from mediaflow import clock, ids
from mediaflow.api import vod_errors
from mediaflow.api.vod_errors import VIDEO_NOT_FOUND
from mediaflow.errors import ApiError, NotFound
from mediaflow.net import OutboundError, validate_url
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.settings import get_settings
from mediaflow.storage import keys
from mediaflow.uploads import credentials, storage_location, views
from mediaflow.uploads.formats import media_extension
from mediaflow.uploads.models import CreateUploadVideoRequest
from mediaflow.uploads.records import VideoDoc

# VOD's "no transcoding" group: the upload only gets FileUploadComplete.
NO_TRANSCODE_GROUP = "VOD_NO_TRANSCODE"


def check_template_group(project_id: str, group_id: str | None) -> None:
    if group_id in (None, "", NO_TRANSCODE_GROUP):
        return
    from mediaflow.transcode import groups  # only uploads with a group need the transcoding side

    try:
        groups.group_templates(project_id, group_id)
    except (NotFound, ApiError) as exc:
        raise vod_errors.TEMPLATE_GROUP_NOT_FOUND from exc


def check_callback(url: str) -> None:
    """Refuse obviously unsafe callback URLs now; the notifier re-checks after DNS on every attempt."""
    try:
        validate_url(url, allow_loopback=get_settings().allow_loopback)
    except OutboundError as exc:
        raise vod_errors.invalid_message(f"UserData.MessageCallback.CallbackURL: {exc.message}") from exc


def create_upload_video(project_id: str, request: CreateUploadVideoRequest) -> dict[str, Any]:
    check_template_group(project_id, request.TemplateGroupId)
    bucket = storage_location.upload_bucket(project_id, request.StorageLocation)
    video_id = ids.new_hex_id()
    extension = media_extension(request.FileName) or ""
    key = keys.upload_key(project_id, video_id, extension)
    user_data = request.user_data
    if user_data and user_data.MessageCallback:
        check_callback(user_data.MessageCallback.CallbackURL)
    doc = VideoDoc(
        title=request.Title,
        file_name=request.FileName,
        file_size=request.FileSize,
        description=request.Description,
        tags=request.tag_list,
        # VOD's "no transcoding" group is remembered as no group at all
        template_group_id=None if request.TemplateGroupId == NO_TRANSCODE_GROUP else request.TemplateGroupId,
        user_data=request.user_data_text,
        callback_url=user_data.MessageCallback.CallbackURL
        if user_data and user_data.MessageCallback
        else None,
        extend=user_data.Extend if user_data else None,
        object_key=key,
        bucket=bucket,
    )
    creds = credentials.issue(video_id, key, bucket)
    store.create(new_record(doc, project_id, video_id, clock.key_time(clock.now())))
    return {"VideoId": video_id, "UploadAddress": creds.upload_address, "UploadAuth": creds.upload_auth}


def is_damaged(record: Record[VideoDoc]) -> bool:
    """Damaged: the record cannot take a source any more.

    Either it was created wrongly (its object key is not the canonical key of this project and
    video), or its sources failed as non-media ``max_failed_uploads`` times in a row.
    """
    parsed = keys.parse_upload_key(record.doc.object_key)
    if parsed is None or (parsed.project_id, parsed.video_id) != (record.project_id, record.id):
        return True
    return record.doc.failed_uploads >= get_settings().max_failed_uploads


def refresh_upload_video(project_id: str, video_id: str) -> dict[str, Any]:
    if not ids.is_hex_id(video_id):
        raise VIDEO_NOT_FOUND
    try:
        record = store.get(VideoDoc, project_id, video_id)
    except NotFound as exc:
        raise VIDEO_NOT_FOUND from exc
    if is_damaged(record):
        raise vod_errors.VIDEO_DAMAGED
    bucket = record.doc.bucket
    if bucket:
        storage_location.require_uploads(project_id, bucket)  # it may have been revoked since
    creds = credentials.issue(video_id, record.doc.object_key, bucket)

    def bump(current: Record[VideoDoc]) -> Record[VideoDoc]:
        return current.evolve(upload_generation=current.doc.upload_generation + 1)

    store.update(VideoDoc, project_id, video_id, bump)
    return {"VideoId": video_id, "UploadAddress": creds.upload_address, "UploadAuth": creds.upload_auth}


def get_video(project_id: str, video_id: str) -> dict[str, Any]:
    if not ids.is_hex_id(video_id):
        raise VIDEO_NOT_FOUND
    try:
        record = store.get(VideoDoc, project_id, video_id, consistent=False)
    except NotFound as exc:
        raise VIDEO_NOT_FOUND from exc
    return views.video_info(record)
