"""A video stream's frames before any decoding: each one's timestamp, size, key flag and (MP4/MOV)
file offset, in decode order. It lets the picker choose its candidates first, then decode only
what reaches them (``fetch``).

``read_index``: the sample table of an MP4/MOV video track, read from the file's ``moov`` with a
few byte-range reads (no ffmpeg, no packet read), so that only the candidates' bytes are read
later. Reading the whole file costs more than the candidates themselves on a long video: measured
through the loopback relay, ~4 ms of CPU per MB between the relay and ffmpeg's reader (1.7 s for
a 10-minute 1080p file at 6 Mbit/s), while the ``moov`` of that file is ~300 KB.

Timestamps are ffmpeg's (what ``ffprobe -show_packets`` prints, the timeline of ``-copyts``): the
composition time of each sample minus the first edit's ``media_time``, plus a leading empty edit.
``read_index`` answers None - the caller then decodes with ffmpeg alone - for anything this does
not model exactly: other containers, fragmented MP4, codecs other than H.264/HEVC, several sample
descriptions, edit lists with more than one media segment or a rate other than 1, display
matrices other than a rotation by a multiple of 90 degrees.

``probe_index``: for everything else, ``ffprobe -show_entries packet`` lists the packets (reading
the whole source, decoding nothing; ~0.1 s of CPU per minute of 1080p). No offsets: ``fetch``
then has ffmpeg copy the wanted packets out of the source.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import struct
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
import numpy.typing as npt

from mediaflow.covers.frames import Source
from mediaflow.media.binaries import ffprobe_path, media_env

_CODECS = {b"avc1": "h264", b"avc3": "h264", b"hvc1": "hevc", b"hev1": "hevc"}
_CONFIG_BOX = {"h264": b"avcC", "hevc": b"hvcC"}
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
_MP4_FORMATS = ("mov", "mp4")
HEAD_READ = 64 * 1024  # the first read: ftyp, and moov when the file is "faststart"
MAX_MOOV = 64 * 1024 * 1024  # a sample table larger than this is not read (hours of 60 fps)
_CONTENT_RANGE = re.compile(r"bytes \d+-\d+/(\d+)")

I64 = npt.NDArray[np.int64]


class IndexUnavailable(Exception):
    """The file cannot be indexed here (see the module docstring); decode with ffmpeg instead."""


@dataclass(frozen=True)
class SampleIndex:
    """The video track's samples in decode order (the order of the file's sample table)."""

    codec: str  # "h264" or "hevc"
    config: bytes  # the avcC / hvcC record: parameter sets and the NAL length size
    width: int  # coded size from the sample description
    height: int
    rotation: int  # clockwise degrees a player applies (0, 90, 180, 270), from the display matrix
    colour: tuple[int, int, int, int | None] | None  # colr: primaries, transfer, matrix, full range
    timescale: int
    pts: I64  # presentation time in 1/timescale s, ffmpeg's timeline
    offsets: I64 | None  # byte offset of each sample in the file; None: from ffprobe, unknown
    sizes: I64
    keys: npt.NDArray[np.bool_]  # sync samples
    tb_num: int = 1  # the stream's time base is tb_num/timescale: its pts are pts // tb_num

    @property
    def nal_length(self) -> int:
        if self.codec == "h264":
            return (self.config[4] & 3) + 1
        return (self.config[21] & 3) + 1

    def seconds(self, i: int) -> float:
        return float(self.pts[i]) / self.timescale

    def __len__(self) -> int:
        return len(self.pts)


class ByteReader:
    """Byte ranges of a local file or of an http://127.0.0.1 URL (the relay), one request each."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.url = urlsplit(target) if target.startswith("http://") else None
        self.size = os.path.getsize(target) if self.url is None else -1
        self.requests = 0

    def read(self, offset: int, length: int) -> bytes:
        if length <= 0:
            return b""
        self.requests += 1
        if self.url is None:
            with open(self.target, "rb") as f:
                return os.pread(f.fileno(), length, offset)
        conn = http.client.HTTPConnection(self.url.hostname or "127.0.0.1", self.url.port, timeout=30)
        try:
            path = self.url.path + (f"?{self.url.query}" if self.url.query else "")
            conn.request("GET", path, headers={"Range": f"bytes={offset}-{offset + length - 1}"})
            resp = conn.getresponse()
            if resp.status == 416:
                return b""
            if resp.status != 206:
                raise OSError(f"range read answered HTTP {resp.status}")
            total = _CONTENT_RANGE.fullmatch(resp.getheader("Content-Range") or "")
            if total:
                self.size = int(total[1])
            return resp.read()
        finally:
            conn.close()


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in data[start:end]; stops at a cut-off box."""
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                return
            size, header = struct.unpack_from(">Q", data, pos + 8)[0], 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _find_moov(reader: ByteReader) -> bytes:
    """The payload of the top-level moov box: in the first read when the file is "faststart",
    else found by walking the top-level box headers (one small read each, mdat skipped)."""
    head = reader.read(0, HEAD_READ)
    pos = 0
    while True:
        header = head[pos : pos + 16] if pos + 16 <= len(head) else reader.read(pos, 16)
        if len(header) < 8:
            raise IndexUnavailable("no moov box")
        size, kind = struct.unpack_from(">I4s", header)
        skip = 8
        if size == 1:
            if len(header) < 16:
                raise IndexUnavailable("cut-off box header")
            size, skip = struct.unpack_from(">Q", header, 8)[0], 16
        elif size == 0:
            size = reader.size - pos  # the box runs to the end of the file
        if size < skip:
            raise IndexUnavailable("malformed box")
        if kind == b"moof":
            raise IndexUnavailable("fragmented MP4")
        if kind == b"moov":
            if size > MAX_MOOV:
                raise IndexUnavailable("moov too large")
            if pos + size <= len(head):
                return head[pos + skip : pos + size]
            moov = reader.read(pos + skip, size - skip)
            if len(moov) != size - skip:
                raise IndexUnavailable("cut-off moov")
            return moov
        pos += size


def read_index(target: str, format_name: str, stream: int) -> SampleIndex:
    """The sample index of stream number ``stream`` (ffmpeg's numbering: the n-th trak)."""
    if not any(name in _MP4_FORMATS for name in format_name.split(",")):
        raise IndexUnavailable("not an MP4/MOV file")
    reader = ByteReader(target)
    try:
        moov = _find_moov(reader)
    except (OSError, struct.error) as exc:
        raise IndexUnavailable(f"moov unreadable: {exc}") from exc
    traks = [(s, e) for kind, s, e in _boxes(moov) if kind == b"trak"]
    if any(kind == b"mvex" for kind, _, _ in _boxes(moov)):
        raise IndexUnavailable("fragmented MP4")
    if stream >= len(traks):
        raise IndexUnavailable("no such track")
    movie_scale = _movie_timescale(moov)
    try:
        return _trak(moov, *traks[stream], movie_scale)
    except (struct.error, IndexError, ValueError) as exc:
        raise IndexUnavailable(f"malformed sample table: {exc}") from exc


def _movie_timescale(moov: bytes) -> int:
    for kind, s, _ in _boxes(moov):
        if kind == b"mvhd":
            return struct.unpack_from(">I", moov, s + (20 if moov[s] == 1 else 12))[0] or 1
    return 1


def _children(data: bytes, start: int, end: int) -> dict[bytes, tuple[int, int]]:
    """Boxes inside [start, end), nested containers flattened (the first of each type wins)."""
    found: dict[bytes, tuple[int, int]] = {}
    for kind, s, e in _boxes(data, start, end):
        found.setdefault(kind, (s, e))
        if kind in _CONTAINERS:
            for sub, span in _children(data, s, e).items():
                found.setdefault(sub, span)
    return found


def _trak(data: bytes, start: int, end: int, movie_scale: int) -> SampleIndex:
    box = _children(data, start, end)
    for need in (b"tkhd", b"mdhd", b"hdlr", b"stsd", b"stts", b"stsc", b"stsz"):
        if need not in box:
            raise IndexUnavailable(f"no {need.decode()} box")
    if data[box[b"hdlr"][0] + 8 : box[b"hdlr"][0] + 12] != b"vide":
        raise IndexUnavailable("not a video track")
    codec, config, width, height, colour = _sample_description(data, *box[b"stsd"])
    rotation = _rotation(data, box[b"tkhd"][0])
    s = box[b"mdhd"][0]
    timescale = struct.unpack_from(">I", data, s + (20 if data[s] == 1 else 12))[0]
    if timescale <= 0:
        raise IndexUnavailable("zero timescale")
    sizes = _sizes(data, *box[b"stsz"])
    n = len(sizes)
    dts = _expand(data, box[b"stts"][0], n, signed=False)
    dts = np.concatenate(([0], np.cumsum(dts[:-1]))).astype(np.int64) if n else dts
    pts = dts + (_expand(data, box[b"ctts"][0], n, signed=True) if b"ctts" in box else 0)
    shift = _edit_shift(data, box.get(b"elst"), movie_scale, timescale)
    keys = np.ones(n, dtype=bool)
    if b"stss" in box:
        s = box[b"stss"][0]
        count = struct.unpack_from(">I", data, s + 4)[0]
        sync = np.frombuffer(data, dtype=">u4", count=count, offset=s + 8).astype(np.int64) - 1
        keys = np.zeros(n, dtype=bool)
        keys[sync[(sync >= 0) & (sync < n)]] = True
    chunks = box.get(b"stco") or box.get(b"co64")
    if chunks is None:
        raise IndexUnavailable("no chunk offsets")
    offsets = _offsets(data, box[b"stsc"][0], chunks[0], b"co64" in box, sizes)
    return SampleIndex(
        codec=codec,
        config=config,
        width=width,
        height=height,
        rotation=rotation,
        colour=colour,
        timescale=timescale,
        pts=(pts + shift).astype(np.int64),
        offsets=offsets,
        sizes=sizes,
        keys=keys,
    )


Colour = tuple[int, int, int, int | None]


def _sample_description(data: bytes, start: int, end: int) -> tuple[str, bytes, int, int, Colour | None]:
    count = struct.unpack_from(">I", data, start + 4)[0]
    if count != 1:
        raise IndexUnavailable("several sample descriptions")
    entries = list(_boxes(data, start + 8, end))
    if not entries:
        raise IndexUnavailable("empty sample description")
    kind, s, e = entries[0]
    codec = _CODECS.get(kind)
    if codec is None:
        raise IndexUnavailable(f"codec {kind!r} is not indexed")
    width, height = struct.unpack_from(">HH", data, s + 24)
    config, colour = None, None
    for sub, cs, ce in _boxes(data, s + 78, e):  # after the VisualSampleEntry fields
        if sub == _CONFIG_BOX[codec]:
            config = data[cs:ce]
        elif sub == b"colr" and ce - cs >= 10 and data[cs : cs + 4] in (b"nclx", b"nclc"):
            primaries, transfer, matrix = struct.unpack_from(">HHH", data, cs + 4)
            full = (data[cs + 10] >> 7) if data[cs : cs + 4] == b"nclx" and ce - cs >= 11 else None
            colour = (primaries, transfer, matrix, full)
    if config is None:
        raise IndexUnavailable("no decoder configuration")
    if (codec == "h264" and len(config) < 7) or (codec == "hevc" and len(config) < 23):
        raise IndexUnavailable("short decoder configuration")
    return codec, config, width, height, colour


def _rotation(data: bytes, tkhd: int) -> int:
    """Clockwise rotation from the track's display matrix, as ffmpeg's autorotation reads it."""
    offset = tkhd + (52 if data[tkhd] == 1 else 40)
    a, b, _u, c, d, _v = struct.unpack_from(">iiiiii", data, offset)
    unit = 1 << 16
    known = {
        (unit, 0, 0, unit): 0,
        (0, unit, -unit, 0): 90,
        (-unit, 0, 0, -unit): 180,
        (0, -unit, unit, 0): 270,
    }
    if (a, b, c, d) not in known:
        raise IndexUnavailable("display matrix is not a plain rotation")
    return known[(a, b, c, d)]


def _sizes(data: bytes, start: int, end: int) -> I64:
    uniform, count = struct.unpack_from(">II", data, start + 4)
    if uniform:
        return np.full(count, uniform, dtype=np.int64)
    return np.frombuffer(data, dtype=">u4", count=count, offset=start + 12).astype(np.int64)


def _expand(data: bytes, start: int, n: int, *, signed: bool) -> I64:
    """stts/ctts (count, value) runs expanded to one value per sample (padded/cut to n)."""
    version = data[start]
    count = struct.unpack_from(">I", data, start + 4)[0]
    pairs = np.frombuffer(data, dtype=">u4", count=2 * count, offset=start + 8).reshape(count, 2)
    values = pairs[:, 1].astype(np.int64)
    if signed and version == 1:
        values = pairs[:, 1].astype(np.uint32).view(np.int32).astype(np.int64)
    out = np.repeat(values, pairs[:, 0].astype(np.int64))
    if len(out) < n:
        out = np.concatenate((out, np.full(n - len(out), out[-1] if len(out) else 0, dtype=np.int64)))
    return out[:n]


def _edit_shift(data: bytes, elst: tuple[int, int] | None, movie_scale: int, timescale: int) -> int:
    """What to add to composition times: minus the first media_time, plus a leading empty edit."""
    if elst is None:
        return 0
    s = elst[0]
    version, count = data[s], struct.unpack_from(">I", data, s + 4)[0]
    fmt, step = (">QqHH", 20) if version == 1 else (">IiHH", 12)
    empty, media = 0, list[int]()
    for i in range(count):
        duration, media_time, rate, _ = struct.unpack_from(fmt, data, s + 8 + i * step)
        if media_time == -1:
            if media:
                raise IndexUnavailable("empty edit after media")
            empty += duration
        else:
            if rate != 1:
                raise IndexUnavailable("edit rate other than 1")
            media.append(media_time)
    if len(media) > 1:
        raise IndexUnavailable("several media edits")
    return math.floor(empty * timescale / movie_scale) - (media[0] if media else 0)


def _offsets(data: bytes, stsc: int, chunks: int, wide: bool, sizes: I64) -> I64:
    n_chunks = struct.unpack_from(">I", data, chunks + 4)[0]
    chunk_pos = np.frombuffer(data, dtype=">u8" if wide else ">u4", count=n_chunks, offset=chunks + 8).astype(
        np.int64
    )
    runs = struct.unpack_from(">I", data, stsc + 4)[0]
    table = (
        np.frombuffer(data, dtype=">u4", count=3 * runs, offset=stsc + 8).reshape(runs, 3).astype(np.int64)
    )
    first = table[:, 0] - 1
    last = np.append(first[1:], n_chunks)
    per_chunk = np.repeat(table[:, 1], np.maximum(last - first, 0))[:n_chunks]
    chunk_of = np.repeat(np.arange(len(per_chunk)), per_chunk)
    n = len(sizes)
    if len(chunk_of) < n:
        raise IndexUnavailable("sample-to-chunk table too short")
    chunk_of = chunk_of[:n]
    starts = np.concatenate(([0], np.cumsum(per_chunk)[:-1]))  # first sample of each chunk
    cumulative = np.concatenate(([0], np.cumsum(sizes)[:-1]))  # bytes before each sample
    within = cumulative - cumulative[starts[chunk_of]]
    return chunk_pos[chunk_of] + within


def probe_index(src: Source, timeout_s: float | None) -> SampleIndex:
    """The packets of ``src``'s video stream as ffprobe lists them (the whole source is read)."""
    video = src.info.video
    assert video is not None
    cmd = [
        *(ffprobe_path(), "-v", "error", *src.input_flags, "-select_streams", str(src.stream)),
        *("-show_entries", "stream=time_base:packet=pts,size,flags", "-of", "json", src.target),
    ]
    try:
        out = subprocess.run(cmd, capture_output=True, env=media_env(), timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        raise IndexUnavailable("listing the packets timed out") from exc
    try:
        data = json.loads(out.stdout or b"{}")
        num, den = (int(x) for x in data["streams"][0]["time_base"].split("/"))
        packets = data.get("packets") or []
        pts = np.array([int(p["pts"]) for p in packets], dtype=np.int64)
        sizes = np.array([int(p.get("size") or 0) for p in packets], dtype=np.int64)
        keys = np.array(["K" in str(p.get("flags", "")) for p in packets], dtype=bool)
    except (KeyError, ValueError, IndexError, TypeError) as exc:
        raise IndexUnavailable(f"ffprobe listed no usable packets: {exc}") from exc
    if out.returncode != 0 or not len(pts) or num <= 0 or den <= 0:
        raise IndexUnavailable("ffprobe listed no packets")
    return SampleIndex(
        codec=video.codec,
        config=b"",
        width=video.width,
        height=video.height,
        rotation=video.rotation,
        colour=None,
        timescale=den,
        pts=pts * num,
        offsets=None,
        sizes=sizes,
        keys=keys,
        tb_num=num,
    )
