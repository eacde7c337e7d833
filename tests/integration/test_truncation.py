"""Truncated uploads are caught (issue 16): for each container, the whole file probes and a cut one
is NotMedia ("truncated"), although ffprobe reads a faststart index and reports the full duration.
Real ffmpeg clips, real ffprobe; locally and through a presigned-style range server."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mediaflow.media import ProbeError, ProbeErrorCode, integrity, probe
from tests.support import clips

if TYPE_CHECKING:  # imported by pytest as a plugin; importing it first would skip assert rewriting
    from tests.integration.conftest_media import RangeServer

pytest_plugins = ["tests.integration.conftest_media"]

TIMEOUT_S = 20.0
SECONDS = 4
CONTAINERS = {
    "mp4 faststart": {"container": "mp4"},
    "mp4 moov at end": {"container": "mp4", "faststart": False},
    "mov faststart": {"container": "mov"},
    "mov moov at end": {"container": "mov", "faststart": False},
    "mkv": {"container": "mkv"},
    "webm": {"container": "webm", "vcodec": "libvpx-vp9"},
    "mpeg-ts": {"container": "ts"},
}


def clip(media_dir: Path, name: str) -> Path:
    return clips.make_clip(media_dir, seconds=SECONDS, **CONTAINERS[name])  # type: ignore[arg-type]


def cut(source: Path, keep: int, tag: str) -> Path:
    path = source.with_name(f"cut-{tag}-{keep}-{source.name}")
    if not path.exists():
        path.write_bytes(source.read_bytes()[:keep])
    return path


def off_packet(size: int) -> int:
    """A cut that never lands on a TS packet boundary (the other containers do not care)."""
    return size - 1 if size % 188 == 0 else size


@pytest.mark.parametrize("name", list(CONTAINERS))
def test_the_whole_file_probes_with_its_duration(media_dir: Path, name: str) -> None:
    info = probe(str(clip(media_dir, name)), timeout_s=TIMEOUT_S)
    assert abs(info.duration_s - SECONDS) < 0.2, info


@pytest.mark.parametrize("fraction", [0.3, 0.97])
@pytest.mark.parametrize("name", list(CONTAINERS))
def test_a_cut_file_is_not_media(media_dir: Path, name: str, fraction: float) -> None:
    source = clip(media_dir, name)
    cut_file = cut(source, off_packet(int(source.stat().st_size * fraction)), name.replace(" ", "-"))
    with pytest.raises(ProbeError) as caught:
        probe(str(cut_file), timeout_s=TIMEOUT_S)
    assert caught.value.code is ProbeErrorCode.NOT_MEDIA, caught.value.message


def test_a_faststart_mp4_cut_to_30_percent_names_the_missing_bytes(media_dir: Path) -> None:
    """The case the issue found: ffprobe alone reports the full duration of this file."""
    source = clip(media_dir, "mp4 faststart")
    cut_file = cut(source, int(source.stat().st_size * 0.3), "issue")
    with pytest.raises(ProbeError) as caught:
        probe(str(cut_file), timeout_s=TIMEOUT_S)
    assert caught.value.message.startswith("truncated: the 'mdat' box declares")
    assert str(source.stat().st_size) in caught.value.message


def test_a_transport_stream_cut_on_a_packet_boundary_reports_what_it_holds(media_dir: Path) -> None:
    """A TS has no index to contradict: cut between packets it is a valid, shorter stream."""
    source = clip(media_dir, "mpeg-ts")
    keep = source.stat().st_size // 2 // 188 * 188
    info = probe(str(cut(source, keep, "ts-boundary")), timeout_s=TIMEOUT_S)
    assert 0.5 < info.duration_s < SECONDS * 0.75, info


@pytest.mark.parametrize("name", ["mp4 faststart", "mkv", "mpeg-ts"])
def test_over_http_the_check_reads_a_few_small_ranges(
    media_dir: Path, range_server: RangeServer, name: str
) -> None:
    source = clip(media_dir, name)
    whole = probe(range_server.url(source), timeout_s=TIMEOUT_S)
    assert whole == probe(str(source), timeout_s=TIMEOUT_S)
    cut_file = cut(source, off_packet(int(source.stat().st_size * 0.3)), f"http-{name.replace(' ', '-')}")
    with pytest.raises(ProbeError) as caught:
        probe(range_server.url(cut_file), timeout_s=TIMEOUT_S)
    assert caught.value.code is ProbeErrorCode.NOT_MEDIA and "truncated" in caught.value.message
    checker = integrity.checker_for(whole.format_name)
    assert checker is not None
    with integrity.open_source("url", range_server.url(source), TIMEOUT_S) as reader:
        checker(reader)
        assert reader.reads <= 5  # the size, then 1-4 headers of at most 4 KiB


def test_box_walk_and_segment_size_on_synthetic_headers() -> None:
    class Bytes:
        def __init__(self, data: bytes, size: int | None = None) -> None:
            self.data, self.size = data, len(data) if size is None else size

        def read(self, offset: int, length: int) -> bytes:
            return self.data[offset : offset + length]

    def box(kind: bytes, size: int) -> bytes:
        return size.to_bytes(4, "big") + kind + b"\0" * (size - 8)

    whole = box(b"ftyp", 24) + box(b"moov", 100) + box(b"mdat", 1000)
    integrity.check_iso_bmff(Bytes(whole))
    with pytest.raises(integrity.Truncated):
        integrity.check_iso_bmff(Bytes(whole[:500]))
    large = box(b"ftyp", 24) + (1).to_bytes(4, "big") + b"mdat" + (5000).to_bytes(8, "big")
    with pytest.raises(integrity.Truncated):  # a 64-bit box size
        integrity.check_iso_bmff(Bytes(large + b"\0" * 100))
    to_end = box(b"ftyp", 24) + (0).to_bytes(4, "big") + b"mdat" + b"\0" * 50
    integrity.check_iso_bmff(Bytes(to_end))
    ebml = bytes.fromhex("1A45DFA3 84 42868101")  # EBML header with one child
    segment = bytes.fromhex("18538067 01000000000003E8")  # Segment, 8-byte size 1000
    integrity.check_matroska(Bytes(ebml + segment + b"\0" * 1000))
    with pytest.raises(integrity.Truncated):
        integrity.check_matroska(Bytes(ebml + segment + b"\0" * 999))
    live = bytes.fromhex("18538067 01FFFFFFFFFFFFFF")  # unknown size: nothing to compare
    integrity.check_matroska(Bytes(ebml + live + b"\0" * 10))
