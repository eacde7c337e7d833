"""``mediaflow upload``: CreateUploadVideo, then a multipart upload with the issued STS credentials
that survives a crash or Ctrl-C.

The upload's state (VideoId, UploadId, part size) is saved before the first byte is sent, under
``~/.cache/mediaflow/uploads/`` keyed by the file's path, size and mtime. Run the same command
again and it resumes: S3 is asked which parts it already has (ListParts), the credentials are
renewed with RefreshUploadVideo when they expired (or are about to), and only missing parts go.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from mediaflow_cli.client import Client, CliError, decode

MIB = 1024 * 1024
# above S3's 5 MiB minimum (10,000 parts -> 156 GiB); MEDIAFLOW_PART_MIB changes it (5 and up)
PART_BYTES = max(5, int(os.environ.get("MEDIAFLOW_PART_MIB") or 16)) * MIB
RENEW_BEFORE = timedelta(minutes=5)
Progress = Callable[[int], None]


def state_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mediaflow" / "uploads"


@dataclass
class UploadState:
    path: str
    size: int
    mtime_ns: int
    project_id: str
    video_id: str
    part_bytes: int = PART_BYTES
    upload_id: str | None = None
    answer: dict[str, Any] = field(default_factory=dict)  # the last CreateUpload/Refresh answer

    @staticmethod
    def file_for(path: Path, project_id: str) -> Path:
        stat = path.stat()
        ident = f"{project_id}|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        return state_dir() / f"{hashlib.sha256(ident.encode()).hexdigest()[:24]}.json"

    def save(self, where: Path) -> None:
        where.parent.mkdir(parents=True, exist_ok=True)
        tmp = where.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds credentials
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(self), fh)
        tmp.replace(where)


def _expired(answer: dict[str, Any]) -> bool:
    auth = decode(answer["UploadAuth"])
    expiry = datetime.strptime(auth["ExpireUTCTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return datetime.now(UTC) + RENEW_BEFORE >= expiry


def _s3(answer: dict[str, Any]) -> tuple[Any, str, str]:
    address, auth = decode(answer["UploadAddress"]), decode(answer["UploadAuth"])
    client = boto3.client(
        "s3",
        endpoint_url=address["Endpoint"],
        region_name=address["Region"],
        aws_access_key_id=auth["AccessKeyId"],
        aws_secret_access_key=auth["AccessKeySecret"],
        aws_session_token=auth["SecurityToken"],
        config=Config(retries={"mode": "standard", "max_attempts": 5}, signature_version="s3v4"),
    )
    return client, address["Bucket"], address["FileName"]


def _done_parts(s3: Any, bucket: str, key: str, upload_id: str) -> dict[int, str]:
    parts: dict[int, str] = {}
    marker = 0
    while True:
        page = s3.list_parts(Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker)
        parts.update({p["PartNumber"]: p["ETag"] for p in page.get("Parts", [])})
        if not page.get("IsTruncated"):
            return parts
        marker = int(page["NextPartNumberMarker"])


def start_or_resume(
    client: Client, path: Path, fields: dict[str, Any], announce: Callable[[str], None]
) -> tuple[UploadState, Path]:
    where = UploadState.file_for(path, client.settings.project_id)
    if where.is_file():
        state = UploadState(**json.loads(where.read_text(encoding="utf-8")))
        announce(f"resuming the upload of {path.name} (video {state.video_id})")
        if _expired(state.answer):
            state.answer = client.refresh_upload_video(state.video_id)  # RefreshUploadVideo
            state.save(where)
        return state, where
    stat = path.stat()
    answer = client.create_upload_video(fields)
    state = UploadState(
        str(path.resolve()),
        stat.st_size,
        stat.st_mtime_ns,
        client.settings.project_id,
        answer["VideoId"],
        answer=answer,
    )
    state.save(where)
    return state, where


def send(client: Client, state: UploadState, where: Path, progress: Progress) -> None:
    """Upload the file (resuming parts S3 already has); removes the state file once complete."""
    s3, bucket, key = _s3(state.answer)
    path = Path(state.path)
    try:
        if state.size <= state.part_bytes:
            with path.open("rb") as fh:
                s3.put_object(Bucket=bucket, Key=key, Body=fh)
            progress(state.size)
        else:
            _multipart(client, s3, bucket, key, state, where, progress)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "S3Error")
        if code in ("ExpiredToken", "InvalidAccessKeyId", "AccessDenied"):
            state.answer = client.refresh_upload_video(state.video_id)
            state.save(where)
            raise CliError(
                code, "the upload credentials were refused; run the command again to resume"
            ) from exc
        raise CliError(code, str(exc)) from exc
    where.unlink(missing_ok=True)


def _multipart(
    client: Client, s3: Any, bucket: str, key: str, state: UploadState, where: Path, progress: Progress
) -> None:
    done: dict[int, str] = {}
    if state.upload_id:
        try:
            done = _done_parts(s3, bucket, key, state.upload_id)
        except ClientError:  # aborted or expired (the bucket aborts stale uploads after 2 days)
            state.upload_id = None
    if not state.upload_id:
        state.upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        state.save(where)
    count = -(-state.size // state.part_bytes)
    sent = sum(min(state.part_bytes, state.size - (n - 1) * state.part_bytes) for n in done)
    progress(sent)
    with Path(state.path).open("rb") as fh:
        for number in range(1, count + 1):
            if number in done:
                continue
            fh.seek((number - 1) * state.part_bytes)
            body = fh.read(state.part_bytes)
            answer = s3.upload_part(
                Bucket=bucket, Key=key, UploadId=state.upload_id, PartNumber=number, Body=body
            )
            done[number] = answer["ETag"]
            sent += len(body)
            progress(sent)
    parts = [{"PartNumber": n, "ETag": done[n]} for n in sorted(done)]
    s3.complete_multipart_upload(
        Bucket=bucket, Key=key, UploadId=state.upload_id, MultipartUpload={"Parts": parts}
    )
