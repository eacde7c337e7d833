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
from dataclasses import dataclass

from mediaflow.ingest.codes import JobFailure, from_outbound, from_status
from mediaflow.net import OutboundError, StreamingResponse, open_stream
from mediaflow.net.transport import Deadline
from mediaflow.observability import logger
from mediaflow.storage.multipart import MultipartObject, OnFirstWrite, StorageFailed

CHUNK = 1 << 20  # read size; part sizes are whole MiB, so chunks never straddle parts
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class Stored:
    size: int
    version_id: str
    attempts: int


class _Restart(Exception):
    """The source ignored our Range request: read it again from the first byte."""


def _storage_failure(exc: StorageFailed) -> JobFailure:
    return JobFailure("StorageError", f"Writing the object to storage failed ({exc.code}).")


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
        target = MultipartObject(self.bucket, self.key, self.on_first_write)
        try:
            return self._with_retries(target)
        finally:
            target.close()

    def _with_retries(self, target: MultipartObject) -> Stored:
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
            except StorageFailed as exc:
                failure = _storage_failure(exc)
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

    def _attempt(self, target: MultipartObject) -> str:
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

    def _copy(self, stream: StreamingResponse, target: MultipartObject) -> str:
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
