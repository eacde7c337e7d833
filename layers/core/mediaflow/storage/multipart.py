"""Writing one object as it arrives: a single PUT for a small body, otherwise a multipart upload
with one part in flight while the next is read (memory stays at about two parts). Failures are
``StorageFailed``; ``close`` aborts an unfinished upload so nothing half-written lands."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from mediaflow import aws
from mediaflow.observability import logger

# Called once, just before the first bytes go to storage: (multipart upload id or None, size if known).
OnFirstWrite = Callable[[str | None, int | None], None]


class StorageFailed(Exception):
    """S3 refused or failed a write; ``code`` is its error code (or the exception's name)."""

    def __init__(self, exc: Exception) -> None:
        self.code = aws.error_code(exc) or type(exc).__name__
        super().__init__(self.code)


@dataclass
class MultipartObject:
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
                raise StorageFailed(exc) from exc
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
            raise StorageFailed(exc) from exc
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
        except StorageFailed:
            raise
        except Exception as exc:
            raise StorageFailed(exc) from exc

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
