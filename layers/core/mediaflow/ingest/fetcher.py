"""Stream one source URL into one object of the media bucket, with bounded memory.

The body is read through ``mediaflow.net.open_stream`` (the SSRF-safe client: every hop resolved,
checked and connected to the checked address) and cut into parts of ``part_size`` bytes. A body
that fits in one part is stored with a single PUT; a longer one with a multipart upload whose
part k is sent to S3 (one background thread) while part k+1 is being read. Memory therefore
stays at about two parts whatever the size. Any failure aborts the multipart upload.

Transient failures (connect errors, resets, 408/429/5xx) are retried with exponential backoff and
jitter inside the same invocation, within the job's time budget. A retry resumes where the last
complete part ended (``Range`` + ``If-Range``) when the source named a validator (a strong ETag or
Last-Modified) and honours ranges; otherwise it starts over, overwriting the parts already sent.
"""

from __future__ import annotations

import random
import re
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mediaflow import aws
from mediaflow.ingest.codes import JobFailure, from_outbound, from_status
from mediaflow.net import OutboundError, StreamingResponse, open_stream
from mediaflow.net.transport import Deadline
from mediaflow.observability import logger

CHUNK = 1 << 20  # read size; part sizes are whole MiB, so chunks never straddle parts
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")

# Called once, just before the first bytes go to storage: (multipart upload id or None, size if known).
OnFirstWrite = Callable[[str | None, int | None], None]


@dataclass(frozen=True)
class Stored:
    size: int
    version_id: str
    attempts: int


class _Restart(Exception):
    """The source ignored our Range request: read it again from the first byte."""


def _storage_failure(exc: Exception) -> JobFailure:
    code = aws.error_code(exc) or type(exc).__name__
    return JobFailure("StorageError", f"Writing the object to storage failed ({code}).")


@dataclass
class _Object:
    """The destination: a single PUT, or a multipart upload with one part in flight at a time."""

    bucket: str
    key: str
    on_first_write: OnFirstWrite
    upload_id: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)
    started: bool = False
    _pool: ThreadPoolExecutor | None = None
    _inflight: Future[dict[str, Any]] | None = None

    def _s3(self) -> Any:
        return aws.client("s3")

    def _first_write(self, multipart: bool, size: int | None) -> None:
        if multipart and self.upload_id is None:
            try:
                self.upload_id = self._s3().create_multipart_upload(Bucket=self.bucket, Key=self.key)[
                    "UploadId"
                ]
            except Exception as exc:
                raise _storage_failure(exc) from exc
        if not self.started:
            self.started = True
            self.on_first_write(self.upload_id, size)

    def send_part(self, number: int, data: bytearray, size: int | None) -> None:
        """Queue part ``number``; waits for the previous part first, so two parts at most are alive."""
        self._first_write(True, size)
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mediaflow-part")
        s3, upload_id = self._s3(), self.upload_id

        def upload() -> dict[str, Any]:
            reply = s3.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=upload_id, PartNumber=number, Body=data
            )
            return {"PartNumber": number, "ETag": reply["ETag"]}

        self._inflight = self._pool.submit(upload)

    def wait(self) -> None:
        """Let the part in flight finish; record it (or turn its failure into StorageError)."""
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        try:
            done = inflight.result()
        except Exception as exc:
            raise _storage_failure(exc) from exc
        self.parts = [p for p in self.parts if p["PartNumber"] != done["PartNumber"]] + [done]

    def keep_parts(self, count: int) -> None:
        self.wait()
        self.parts = sorted(
            (p for p in self.parts if p["PartNumber"] <= count), key=lambda p: p["PartNumber"]
        )

    def finish(self, last: bytearray | memoryview, number: int, size: int) -> str:
        """Store what remains (as part ``number`` of a multipart upload); returns the version."""
        try:
            if self.upload_id is None:
                self._first_write(False, size)
                return str(
                    self._s3()
                    .put_object(Bucket=self.bucket, Key=self.key, Body=bytes(last))
                    .get("VersionId", "")
                )
            if len(last):
                self.send_part(number, bytearray(last), size)
            self.keep_parts(number)
            reply = self._s3().complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": self.parts},
            )
            self.upload_id = None
            return str(reply.get("VersionId", ""))
        except JobFailure:
            raise
        except Exception as exc:
            raise _storage_failure(exc) from exc

    def close(self) -> None:
        """Abort an unfinished multipart upload (nothing lands) and stop the part thread."""
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        if self.upload_id is not None:
            abort_upload(self.bucket, self.key, self.upload_id)
            self.upload_id = None


def abort_upload(bucket: str, key: str, upload_id: str) -> None:
    try:
        aws.client("s3").abort_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id)
    except Exception as exc:  # the bucket's lifecycle rule removes it after two days anyway
        logger.warning("multipart abort failed", extra={"key": key, "code": aws.error_code(exc)})


@dataclass
class Fetch:
    """One source -> one object. ``run`` returns what was stored or raises JobFailure."""

    url: str
    bucket: str
    key: str
    max_bytes: int
    part_size: int
    deadline: Deadline
    on_first_write: OnFirstWrite
    allow_loopback: bool = False
    retries: int = 3
    retry_base_s: float = 1.0
    offset: int = 0  # bytes in parts already sent; a retry resumes here
    validator: str | None = None
    total: int | None = None
    attempts: int = 0

    def run(self) -> Stored:
        target = _Object(self.bucket, self.key, self.on_first_write)
        try:
            return self._with_retries(target)
        finally:
            target.close()

    def _with_retries(self, target: _Object) -> Stored:
        failures = 0
        while True:
            self.attempts += 1
            try:
                version = self._attempt(target)
                return Stored(self.total or 0, version, self.attempts)
            except _Restart:
                self.offset, self.validator = 0, None
                continue
            except OutboundError as exc:
                failure = from_outbound(exc)
            except JobFailure as exc:
                failure = exc
            wait = self.retry_base_s * 2**failures * random.uniform(0.5, 1.0)  # noqa: S311 - jitter
            if not failure.transient or failures >= self.retries or self._left() <= wait + 1:
                raise failure
            failures += 1
            logger.info("transient source failure, retrying", extra={"code": failure.code, "wait_s": wait})
            time.sleep(wait)

    def _left(self) -> float:
        try:
            return self.deadline.remaining()
        except OutboundError:
            return 0.0

    def _attempt(self, target: _Object) -> str:
        resuming = self.offset > 0 and self.validator is not None
        if self.offset and not resuming:
            self.offset = 0  # no validator: a resumed body could belong to a changed file
        headers = {"Range": f"bytes={self.offset}-", "If-Range": self.validator or ""} if resuming else {}
        stream = open_stream(
            self.url,
            headers=headers,
            allow_loopback=self.allow_loopback,
            max_bytes=self.max_bytes - self.offset,
            deadline_s=self.deadline.remaining(),
        )
        with stream:
            self._check_response(stream, resuming)
            target.keep_parts(self.offset // self.part_size)
            return self._copy(stream, target)

    def _check_response(self, stream: StreamingResponse, resuming: bool) -> None:
        if resuming and stream.status == 206:
            found = _CONTENT_RANGE.fullmatch(stream.headers.get("content-range", "").strip())
            if not found or int(found[1]) != self.offset:
                raise _Restart
            return
        if resuming and stream.status == 416:
            raise _Restart  # the file is shorter than before: it changed
        if stream.status != 200:
            raise from_status(stream.status, stream.reason)
        if resuming:
            raise _Restart  # a full body instead of the range
        self.total = stream.content_length
        etag = stream.headers.get("etag", "")
        strong = etag if etag.startswith('"') else None
        self.validator = strong or stream.headers.get("last-modified") or None
        ranges = stream.headers.get("accept-ranges", "").lower()
        if ranges == "none":
            self.validator = None

    def _copy(self, stream: StreamingResponse, target: _Object) -> str:
        part = bytearray(self.part_size)
        filled = 0
        for chunk in stream.iter_chunks(CHUNK):
            view = memoryview(chunk)
            while view:
                take = min(self.part_size - filled, len(view))
                part[filled : filled + take] = view[:take]
                filled, view = filled + take, view[take:]
                if filled == self.part_size:
                    number = self.offset // self.part_size + 1
                    target.send_part(number, part, self.total)
                    self.offset += self.part_size
                    part, filled = bytearray(self.part_size), 0
        size = self.offset + filled
        self.total = size
        version = target.finish(memoryview(part)[:filled], self.offset // self.part_size + 1, size)
        self.offset = size
        return version
