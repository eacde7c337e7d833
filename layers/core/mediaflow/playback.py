"""Playable URLs for private objects of the media bucket (what a browser player can open).

Outputs are private. An MP4 (or any single file) plays from a presigned GET. An HLS playlist
cannot: the player resolves each segment and variant playlist *relative to the playlist's URL*,
and a presigned URL signs one object only. So an HLS playlist is rewritten: every segment
reference becomes a presigned GET, every nested playlist (a master's variants) is rewritten the
same way, and the rewritten playlists are written under ``playback/<project>/<random>/`` (expired
by a bucket lifecycle rule after a day) and handed out as presigned GETs too. Nothing then needs
a header or a cookie, so hls.js and Safari's native player open the same URL.

Every reference is resolved inside the playlist's own directory tree and must stay within the
project (``storage/keys.py``); absolute ``http(s)`` references are left as written. DASH manifests
are refused: their segments are addressed by templates that presigned URLs cannot express.

The URLs expire after ``AuthTimeout`` seconds, or earlier when the signing credentials (the
function's role session) expire first.
"""

from __future__ import annotations

import posixpath
import re
from datetime import timedelta
from typing import Any

from mediaflow import clock, ids
from mediaflow.api import vod_errors
from mediaflow.errors import ApiError, NotFound
from mediaflow.storage import keys, objects

PLAYBACK = "playback/"
MAX_PLAYLIST_BYTES = 4 * 1024 * 1024
MAX_REFERENCES = 50_000
MAX_DEPTH = 2  # master -> variant -> segments
DEFAULT_TIMEOUT_S = 1800
MIN_TIMEOUT_S, MAX_TIMEOUT_S = 60, 43_200
_URI_ATTR = re.compile(r'URI="([^"]*)"')
FORMATS = {
    ".m3u8": "m3u8",
    ".mp4": "mp4",
    ".m4a": "m4a",
    ".mp3": "mp3",
    ".aac": "aac",
    ".mov": "mov",
    ".webm": "webm",
    ".mkv": "mkv",
    ".ts": "ts",
    ".flv": "flv",
    ".jpg": "jpg",
    ".jpeg": "jpg",
    ".png": "png",
    ".webp": "webp",
}
CONTENT_TYPES = {"m3u8": "application/vnd.apple.mpegurl"}


def not_found() -> ApiError:
    return ApiError(404, "InvalidObject.NotFound", "The object does not exist.")


def _timeout(value: str | None) -> int:
    if value in (None, ""):
        return DEFAULT_TIMEOUT_S
    assert value is not None
    if not value.isdigit() or not MIN_TIMEOUT_S <= int(value) <= MAX_TIMEOUT_S:
        raise ApiError(
            400, "InvalidParameter", f"AuthTimeout must be an integer in [{MIN_TIMEOUT_S}, {MAX_TIMEOUT_S}]"
        )
    return int(value)


def _owned_key(project_id: str, raw: str) -> str:
    return keys.owned_key(project_id, raw, "Object", vod_errors.invalid_message)


def _presign(key: str, expires_s: int) -> str:
    return objects.presigned_get(key, expires_s=expires_s)


def _read(key: str) -> bytes:
    try:
        return objects.read_bytes(key, max_bytes=MAX_PLAYLIST_BYTES)
    except NotFound as exc:
        raise not_found() from exc
    except ValueError as exc:
        raise ApiError(400, "InvalidParameter", "The playlist is too large to rewrite.") from exc


def _exists(key: str) -> int:
    """The object's size; NotFound as the family's 404."""
    try:
        return objects.head(key).size
    except NotFound as exc:
        raise not_found() from exc


class _Rewriter:
    """Rewrites one playlist tree; ``written`` collects the copies to store."""

    def __init__(self, project_id: str, expires_s: int) -> None:
        self.project_id = project_id
        self.expires_s = expires_s
        self.prefix = f"{PLAYBACK}{project_id}/{ids.new_hex_id()}/"
        self.references = 0
        self.copies: dict[str, str] = {}  # source playlist key -> copy key

    def _resolve(self, playlist_key: str, reference: str) -> str | None:
        """The object key a relative reference names; None for absolute URLs (kept as written)."""
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", reference) or reference.startswith("//"):
            return None
        path = reference.split("?", 1)[0].split("#", 1)[0]
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(playlist_key), path))
        try:
            resolved = keys.project_key(self.project_id, joined)
        except keys.InvalidKey as exc:
            raise ApiError(400, "InvalidParameter", f"The playlist references {reference!r}: {exc}") from exc
        if resolved != joined:  # a relative key would land in outputs/: the reference left the project
            message = f"The playlist references {reference!r} outside the project"
            raise ApiError(400, "InvalidParameter", message)
        return resolved

    def _url_for(self, playlist_key: str, reference: str, depth: int) -> str:
        self.references += 1
        if self.references > MAX_REFERENCES:
            raise ApiError(400, "InvalidParameter", "The playlist references too many objects.")
        key = self._resolve(playlist_key, reference)
        if key is None:
            return reference
        if key.lower().endswith(".m3u8"):
            if depth >= MAX_DEPTH:
                raise ApiError(400, "InvalidParameter", "Playlists are nested too deeply.")
            return _presign(self.rewrite(key, depth + 1), self.expires_s)
        return _presign(key, self.expires_s)

    def rewrite(self, key: str, depth: int = 0) -> str:
        """Writes the rewritten copy of playlist ``key``; returns the copy's key."""
        if key in self.copies:
            return self.copies[key]
        text = _read(key).decode("utf-8-sig", errors="replace")
        if not text.lstrip().startswith("#EXTM3U"):
            raise ApiError(400, "InvalidParameter", "The object is not an HLS playlist.")
        lines = []
        for line in text.splitlines():
            stripped = line.strip()
            if not stripped:
                lines.append(line)
            elif stripped.startswith("#"):
                lines.append(
                    _URI_ATTR.sub(lambda m: f'URI="{self._url_for(key, m.group(1), depth)}"', line)
                    if "URI=" in line and not stripped.startswith("#EXT-X-KEY")
                    else line
                )
            else:
                lines.append(self._url_for(key, stripped, depth))
        copy = self.prefix + key.rsplit("/", 1)[-1]
        if copy in self.copies.values():
            copy = f"{self.prefix}{len(self.copies)}-{key.rsplit('/', 1)[-1]}"
        self.copies[key] = copy
        body = ("\n".join(lines) + "\n").encode()
        objects.put_bytes(copy, body, content_type=CONTENT_TYPES["m3u8"], cache_control="private, max-age=60")
        return copy


def play_url(project_id: str, raw_object: str | None, auth_timeout: str | None = None) -> dict[str, Any]:
    """A playable URL for one of the project's objects (``Object`` as in transcoding requests)."""
    if not raw_object:
        raise ApiError(400, "MissingParameter", "The input parameter Object that is mandatory is missing.")
    expires_s = _timeout(auth_timeout)
    key = _owned_key(project_id, raw_object)
    extension = posixpath.splitext(key)[1].lower()
    if extension == ".mpd":
        raise ApiError(400, "InvalidParameter", "DASH manifests cannot be played through presigned URLs.")
    fmt = FORMATS.get(extension, extension.lstrip(".") or "bin")
    size = _exists(key)
    url = _presign(_Rewriter(project_id, expires_s).rewrite(key) if fmt == "m3u8" else key, expires_s)
    expires = clock.iso_z(clock.now() + timedelta(seconds=expires_s))
    info = {"Object": key, "Format": fmt, "Size": size, "PlayURL": url, "ExpirationTime": expires}
    return {"PlayInfo": info}
