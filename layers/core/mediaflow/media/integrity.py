"""Does the object hold all the media its container says it holds? Truncation checks for the probe.

ffprobe reads a container's index and reports the duration the index describes, so a faststart MP4
cut to its first 30 % (index intact, media data missing) probes as whole. These checks compare what
the container declares with the object's real size, reading a few header bytes through byte ranges
(a presigned GET or a local file) - never the media itself:

- ISO BMFF (MP4, MOV, M4A, 3GP): walk the top-level boxes (one 16-byte read each): a box that claims
  to end past the object (``mdat`` when the file was cut) means truncated. A faststart file costs
  3-4 reads; a non-faststart file cut before its ``moov`` never probes at all. A box of size 0
  ("to the end of the file") ends the walk; a fragmented file with more than ``MAX_BOXES`` top-level
  boxes is checked only that far (its duration comes from its fragments, so a cut one reads short).
- Matroska / WebM: the ``Segment`` element's size, written when the muxer finalizes the file (one
  read of the first 4 KiB). A live-written file (browser MediaRecorder) has an unknown size and
  no duration to contradict: nothing to check.
- MPEG-TS: no index and no declared size; ffprobe measures the duration from the last timestamps,
  so a cut file never claims media it lacks. A cut that splits a packet (the object is not a whole
  number of 188-byte, or 192-byte M2TS, packets ending in sync bytes) is refused as truncated; a
  cut on a packet boundary is a valid, shorter stream and is reported as what it is.

Measured on 60 s 720p clips served with byte ranges (benchmarks/truncation_check.py): the check
takes 1-3 ms, 2-5 range reads and 0.1-4 KiB, 1-3 % of the probe; decoding the last second instead
read 8.6-17 MiB and took 70-290 ms.
"""

from __future__ import annotations

import http.client
import os
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol
from urllib.parse import urlsplit

from mediaflow.errors import MediaflowError

MAX_BOXES = 64
TS_PACKETS = (188, 192)  # MPEG-TS, and M2TS (a 4-byte timestamp before each packet)
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")
_EBML, _SEGMENT = 0x1A45DFA3, 0x18538067


class Truncated(MediaflowError):
    """The object is shorter than its container declares."""


class Unreadable(MediaflowError):
    """The object's bytes could not be read (the caller decides whether to retry)."""


class ByteSource(Protocol):
    size: int

    def read(self, offset: int, length: int) -> bytes: ...


class _File:
    def __init__(self, path: str) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 - closed by the context manager below
        self.size = os.fstat(self._file.fileno()).st_size
        self.reads = 0

    def read(self, offset: int, length: int) -> bytes:
        self.reads += 1
        self._file.seek(offset)
        return self._file.read(length)

    def close(self) -> None:
        self._file.close()


class _Url:
    """Byte ranges of an http(s) URL over one keep-alive connection."""

    def __init__(self, url: str, timeout_s: float) -> None:
        parts = urlsplit(url)
        self._target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        self._conn: http.client.HTTPConnection
        if parts.scheme.lower() == "https":
            context = ssl.create_default_context()
            self._conn = http.client.HTTPSConnection(
                parts.hostname or "", parts.port, timeout=timeout_s, context=context
            )
        else:
            self._conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s)
        self.reads = 0
        self.size = 0
        self.size = self._total(self._get(0, 0)[1])

    def _get(self, first: int, last: int) -> tuple[bytes, str]:
        self.reads += 1
        try:
            self._conn.request("GET", self._target, headers={"Range": f"bytes={first}-{last}"})
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as exc:
            raise Unreadable(f"reading the object failed: {type(exc).__name__}") from None
        if response.status != 206:
            raise Unreadable(f"a byte range of the object answered HTTP {response.status}")
        return data, response.getheader("Content-Range") or ""

    @staticmethod
    def _total(content_range: str) -> int:
        match = _CONTENT_RANGE.fullmatch(content_range)
        if not match:
            raise Unreadable("the object's size is unknown (no Content-Range)")
        return int(match[3])

    def read(self, offset: int, length: int) -> bytes:
        if length <= 0 or offset >= self.size:
            return b""
        return self._get(offset, min(self.size, offset + length) - 1)[0]

    def close(self) -> None:
        self._conn.close()


@contextmanager
def open_source(kind: str, target: str, timeout_s: float) -> Iterator[_File | _Url]:
    source = _File(target) if kind == "file" else _Url(target, timeout_s)
    try:
        yield source
    finally:
        source.close()


def check_iso_bmff(source: ByteSource) -> None:
    offset = 0
    for _ in range(MAX_BOXES):
        if offset >= source.size:
            return
        header = source.read(offset, 16)
        if len(header) < 8:
            raise Truncated(f"a box header at byte {offset} is cut off")
        size, kind = int.from_bytes(header[:4], "big"), header[4:8].decode("latin-1")
        if size == 1:
            if len(header) < 16:
                raise Truncated(f"the '{kind}' box header at byte {offset} is cut off")
            size = int.from_bytes(header[8:16], "big")
        elif size == 0:  # this box runs to the end of the file
            return
        if size < 8:
            return  # not a box structure we can follow; ffprobe already accepted the file
        if offset + size > source.size:
            raise Truncated(
                f"the '{kind}' box declares {offset + size} bytes but the object holds {source.size}"
            )
        offset += size


def _vint(data: bytes, at: int, *, keep_marker: bool) -> tuple[int, int]:
    """An EBML variable-length integer at ``at``: (value, length); value -1 when unknown (all ones)."""
    if at >= len(data) or data[at] == 0:
        raise ValueError("bad EBML integer")
    length = 8 - data[at].bit_length() + 1
    if at + length > len(data):
        raise ValueError("cut EBML integer")
    raw = int.from_bytes(data[at : at + length], "big")
    if keep_marker:  # element ids keep their length marker
        return raw, length
    value = raw & ((1 << (7 * length)) - 1)
    return (-1 if value == (1 << (7 * length)) - 1 else value), length


def check_matroska(source: ByteSource) -> None:
    head = source.read(0, 4096)
    try:
        element, width = _vint(head, 0, keep_marker=True)
        if element != _EBML:
            return
        size, size_width = _vint(head, width, keep_marker=False)
        at = width + size_width + size
        element, width = _vint(head, at, keep_marker=True)
        if element != _SEGMENT:
            return
        size, size_width = _vint(head, at + width, keep_marker=False)
    except ValueError:
        return  # an unusual header ffprobe accepted: nothing we can compare
    if size < 0:
        return  # unknown size: written live, nothing declared
    end = at + width + size_width + size
    if end > source.size:
        raise Truncated(f"the Matroska segment declares {end} bytes but the object holds {source.size}")


def check_mpegts(source: ByteSource) -> None:
    head = source.read(0, 400)
    for packet in TS_PACKETS:
        sync = packet - 188  # M2TS: the sync byte follows a 4-byte timestamp
        if len(head) > packet + sync and head[sync] == 0x47 and head[packet + sync] == 0x47:
            break
    else:
        return  # packets we do not recognise at the start (leading junk): ffprobe found the stream
    if source.size < 2 * packet:
        raise Truncated("the transport stream holds less than two packets")
    tail = source.read(source.size - 2 * packet, 2 * packet)
    if len(tail) != 2 * packet or tail[sync] != 0x47 or tail[packet + sync] != 0x47:
        raise Truncated(f"the transport stream ends inside a {packet}-byte packet ({source.size} bytes)")


def checker_for(format_name: str) -> Callable[[ByteSource], None] | None:
    """The check for ffprobe's ``format_name`` (e.g. ``mov,mp4,m4a,3gp,3g2,mj2``), if there is one."""
    names = set(format_name.split(","))
    if names & {"mov", "mp4", "m4a", "3gp", "3g2", "mj2"}:
        return check_iso_bmff
    if names & {"matroska", "webm"}:
        return check_matroska
    if "mpegts" in names:
        return check_mpegts
    return None
