"""UploadMediaByURL's request: the body model (VOD limits and codes) and the source URL list.

``UploadURLs`` is VOD's comma-separated list of URL-encoded URLs. Each item is decoded once, then
re-quoted the way a browser would send it (spaces and non-ASCII percent-encoded, reserved
characters and existing escapes kept). Its lookup key is a hash of the normalised URL (lower-case
host, no default port, no fragment), so GetURLUploadInfos finds a job by any spelling of it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from mediaflow.api import vod_errors
from mediaflow.errors import ApiError
from mediaflow.net import OutboundError, redact, validate_url
from mediaflow.net.addresses import parse_url
from mediaflow.uploads.formats import media_extension
from mediaflow.uploads.models import (
    MAX_TAG_CHARS,
    MAX_TAGS,
    USER_DATA_SCHEMA,
    StorageLocation,
    check_characters,
    parse_user_data,
)

MAX_URLS = 20  # per UploadMediaByURL request (current VOD docs and SDK)
MAX_TITLE_BYTES = 128
MAX_DESCRIPTION_BYTES = 1024
# For the OpenAPI document: an http(s) URL naming a media file (the API takes any URL-encoded one).
_URL = r"https?://[a-z0-9]{1,20}(\.[a-z0-9]{1,20}){0,2}\.[a-z]{2,10}(/[A-Za-z0-9_-]{1,20}){0,3}/[A-Za-z0-9_-]{1,20}\.(mp4|mov|mkv|ts)"
SESSION_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
MAX_SESSION_ID = 50
_SAFE = "!#$%&'()*+,/:;=?@[]~"  # kept as they are when re-quoting a decoded URL
_NOT_AN_ARRAY = "UploadMetadatas must be a JSON array."


def _max_bytes(value: str, field: str, limit: int) -> str:
    if len(value.encode("utf-8")) > limit:
        raise PydanticCustomError("LengthExceededMax", f"{field} length has exceeded {limit} bytes.")
    return check_characters(value, field)


class UploadMetadata(BaseModel):
    """One ``UploadMetadatas`` entry; it applies to the UploadURLs item equal to its SourceURL."""

    model_config = ConfigDict(extra="ignore")
    SourceURL: str = Field(min_length=1, max_length=8192)
    Title: str | None = Field(None, description="At most 128 bytes; default: the URL's file name.")
    Description: str | None = Field(None, description="At most 1024 bytes.")
    Tags: str | None = Field(None, description="Comma-separated, at most 16 tags of 32 bytes each.")
    FileExtension: str | None = Field(None, max_length=16, description="Overrides the URL's extension.")
    TemplateGroupId: str | None = Field(None, max_length=64, description="Overrides the request's.")
    FileSize: int | None = Field(None, ge=0)

    @field_validator("Title")
    @classmethod
    def _title(cls, value: str | None) -> str | None:
        return _max_bytes(value, "Title", MAX_TITLE_BYTES) if value else value

    @field_validator("Description")
    @classmethod
    def _description(cls, value: str | None) -> str | None:
        return _max_bytes(value, "Description", MAX_DESCRIPTION_BYTES) if value else value

    @field_validator("Tags")
    @classmethod
    def _tags(cls, value: str | None) -> str | None:
        tags = [t.strip() for t in (value or "").split(",") if t.strip()]
        if len(tags) > MAX_TAGS:
            raise PydanticCustomError("TagsExceededMax", f"The number of tags exceeds {MAX_TAGS}.")
        for tag in tags:
            _max_bytes(tag, "Tags", MAX_TAG_CHARS)
        return ",".join(tags) or None

    @field_validator("FileExtension")
    @classmethod
    def _extension(cls, value: str | None) -> str | None:
        if not value:
            return None
        ext = media_extension(f"x.{value.strip().lstrip('.')}")
        if ext is None:
            raise PydanticCustomError("InvalidFileName.Extension", "The file extension is not supported.")
        return ext


class UploadMediaByURLRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    UploadURLs: str = Field(
        min_length=1,
        description="Comma-separated source URLs, each URL-encoded; at most 20.",
        json_schema_extra={"pattern": f"^{_URL}(,{_URL}){{0,19}}$"},
    )
    UploadMetadatas: list[UploadMetadata] | None = Field(
        None, description="Per-URL metadata: a JSON array, or its JSON string as VOD sends it."
    )
    TemplateGroupId: str | None = Field(None, max_length=64)
    StorageLocation: StorageLocation
    UserData: str | dict[str, Any] | None = Field(
        None,
        description='JSON: {"MessageCallback":{"CallbackURL":"..."},"Extend":"..."}',
        json_schema_extra=USER_DATA_SCHEMA,
    )
    SessionId: str | None = Field(
        None,
        description="Dedupe key, at most 50 of [A-Za-z0-9_-]; refused again within 10 minutes.",
        json_schema_extra={"pattern": "^[A-Za-z0-9_-]{0,50}$"},
    )

    @field_validator("UploadMetadatas", mode="before")
    @classmethod
    def _json_array(cls, value: Any) -> Any:
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                value = json.loads(value)
            except json.JSONDecodeError as exc:
                raise PydanticCustomError("InvalidParameter", _NOT_AN_ARRAY) from exc
        if value is not None and not isinstance(value, list):
            raise PydanticCustomError("InvalidParameter", _NOT_AN_ARRAY)
        return value

    @field_validator("UserData")
    @classmethod
    def _user_data(cls, value: Any) -> Any:
        parse_user_data(value)
        return value

    @field_validator("SessionId")
    @classmethod
    def _session_id(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if len(value) > MAX_SESSION_ID or not set(value) <= SESSION_ID_CHARS:
            raise PydanticCustomError(
                "InvalidParameter", "SessionId must be at most 50 letters, digits, '-' or '_'."
            )
        return value

    @property
    def user_data_text(self) -> str | None:
        if self.UserData in (None, ""):
            return None
        if isinstance(self.UserData, str):
            return self.UserData
        return json.dumps(self.UserData, separators=(",", ":"))


@dataclass(frozen=True)
class SourceUrl:
    text: str  # the URL as the caller meant it (decoded once); echoed as SourceURL / UploadURL
    fetch_url: str  # what the worker requests
    key: str  # lookup hash of the normalised URL
    file_name: str  # last path segment, decoded ('' when the path ends in '/')
    extension: str | None  # its media extension, if it has one


def requote(text: str) -> str:
    return quote(text, safe=_SAFE)


def url_key(url: str) -> str | None:
    """The lookup hash of an (already re-quoted) URL, None when it cannot be parsed."""
    try:
        normalised = parse_url(url).url
    except OutboundError:
        return None
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()[:40]


def keys_of(text: str) -> set[str]:
    """Lookup keys a caller-supplied URL may stand for: as encoded once, and as written."""
    return {k for k in (url_key(requote(unquote(text))), url_key(requote(text))) if k}


def split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _invalid_url(index: int, text: str, reason: str) -> ApiError:
    return vod_errors.invalid_upload_urls(f"UploadURLs item {index} ({redact(text)}): {reason}")


def parse_source(index: int, item: str, *, allow_loopback: bool) -> SourceUrl:
    text = unquote(item)
    fetch_url = requote(text)
    try:
        parsed = validate_url(fetch_url, allow_loopback=allow_loopback)
    except OutboundError as exc:
        raise _invalid_url(index, text, f"{exc.code}: {exc.message}") from exc
    key = url_key(fetch_url)
    assert key is not None  # validate_url parsed it
    path = urlsplit(parsed.url).path
    name = unquote(path.rsplit("/", 1)[-1])
    return SourceUrl(text, parsed.url, key, name, media_extension(name))


def parse_upload_urls(value: str, *, allow_loopback: bool) -> list[SourceUrl]:
    items = split_list(value)
    if not items:
        message = "The input parameter UploadURLs that is mandatory is not supplied."
        raise vod_errors.missing(message)
    if len(items) > MAX_URLS:
        message = f"UploadURLs has {len(items)} URLs; at most {MAX_URLS} are allowed."
        raise vod_errors.invalid_upload_urls(message)
    return [parse_source(i, item, allow_loopback=allow_loopback) for i, item in enumerate(items, 1)]


def match_metadata(
    sources: list[SourceUrl], metadatas: list[UploadMetadata] | None
) -> list[UploadMetadata | None]:
    """Each source's metadata entry; an entry whose SourceURL is none of UploadURLs is refused."""
    by_key: dict[str, UploadMetadata] = {}
    wanted = {s.key for s in sources}
    for index, entry in enumerate(metadatas or [], 1):
        keys = keys_of(entry.SourceURL) & wanted
        if not keys:
            shown = redact(entry.SourceURL)
            message = f"UploadMetadatas item {index}: SourceURL {shown} is not one of UploadURLs."
            raise vod_errors.invalid_message(message)
        by_key.update(dict.fromkeys(keys, entry))
    matched = [by_key.get(s.key) for s in sources]
    for index, (source, meta) in enumerate(zip(sources, matched, strict=True), 1):
        if source.extension is None and not (meta and meta.FileExtension):
            raise _invalid_url(
                index,
                source.text,
                "the URL has no media file extension (.mp4, .mov...); "
                "give FileExtension in its UploadMetadatas entry",
            )
    return matched
