"""The picker's frame index against ffprobe's own packet list, on the MP4 shapes it must model
(moov first or last, B-frames and their edit list, a delayed start, audio before video, rotation,
HEVC, MOV) and those it must decline (fragmented MP4, other containers), read from a file and
through byte ranges over HTTP as the relay serves them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from mediaflow.covers import frames
from mediaflow.covers.index import IndexUnavailable, SampleIndex, probe_index, read_index
from mediaflow.media import ffmpeg_path, ffprobe_path, media_env, probe
from tests.support import clips

if TYPE_CHECKING:
    from tests.integration.conftest_media import RangeServer

pytest_plugins = ["tests.integration.conftest_media"]


def packets(path: Path | str, stream: int) -> dict[str, np.ndarray]:
    cmd = [ffprobe_path(), "-v", "error", "-select_streams", str(stream), "-show_entries"]
    cmd += ["packet=pts,pos,size,flags", "-of", "json", str(path)]
    listed = json.loads(subprocess.run(cmd, capture_output=True, check=True, env=media_env()).stdout)[
        "packets"
    ]
    return {
        "pts": np.array([int(p["pts"]) for p in listed]),
        "pos": np.array([int(p.get("pos", -1)) for p in listed]),
        "size": np.array([int(p["size"]) for p in listed]),
        "key": np.array(["K" in p["flags"] for p in listed]),
    }


def assert_matches(index: SampleIndex, path: Path | str, stream: int, *, offsets: bool = True) -> None:
    expected = packets(path, stream)
    assert len(index) == len(expected["pts"])
    assert (index.pts // index.tb_num == expected["pts"]).all()
    assert (index.sizes == expected["size"]).all()
    assert (index.keys == expected["key"]).all()
    if offsets:
        assert index.offsets is not None and (index.offsets == expected["pos"]).all()


def remux(source: Path, name: str, *args: str, before: tuple[str, ...] = ()) -> Path:
    """``source`` copied into another shape: ``before`` are input options, ``args`` output ones."""
    path = source.with_name(f"{name}-{source.name}")
    if not path.exists():
        cmd = [ffmpeg_path(), "-v", "error", "-y", *before, "-i", str(source), "-c", "copy", *args, str(path)]
        subprocess.run(cmd, check=True, env=media_env())
    return path


@pytest.fixture(scope="module")
def base(media_dir: Path) -> Path:
    return clips.make_clip(media_dir, seconds=3, width=160, height=120)  # H.264 High (B-frames) + AAC


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("faststart", lambda base, d: base),
        ("moov-at-end", lambda base, d: remux(base, "end")),
        ("delayed-start", lambda base, d: remux(base, "late", before=("-itsoffset", "1.5"))),
        ("audio-first", lambda base, d: remux(base, "afirst", "-map", "0:a", "-map", "0:v")),
        ("no-edit-list", lambda base, d: remux(base, "noedit", "-use_editlist", "0")),
        ("mov", lambda base, d: remux(base, "mov", "-f", "mov")),
        (
            "rotated",
            lambda base, d: clips.make_clip(d, seconds=2, width=160, height=120, audio=False, rotate=90),
        ),
        ("hevc", lambda base, d: clips.make_clip(d, seconds=2, width=160, height=120, vcodec="libx265")),
    ],
)
def test_the_mp4_sample_table_is_what_ffprobe_lists(base: Path, media_dir: Path, name: str, make) -> None:  # type: ignore[no-untyped-def]
    path = make(base, media_dir)
    info = probe(str(path), timeout_s=20)
    assert info.video is not None
    index = read_index(str(path), info.format_name, info.video.index)
    assert_matches(index, path, info.video.index)
    assert index.rotation == info.video.rotation
    assert index.codec == ("hevc" if name == "hevc" else "h264")


def test_the_sample_table_reads_the_same_through_byte_ranges(base: Path, range_server: RangeServer) -> None:
    info = probe(str(base), timeout_s=20)
    assert info.video is not None
    index = read_index(range_server.url(base), info.format_name, info.video.index)
    assert_matches(index, base, info.video.index)
    assert sum(range_server.bytes_sent.values()) < base.stat().st_size / 2  # the moov, not the file


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("fragmented", ("-movflags", "+frag_keyframe+empty_moov")),
        ("matroska", ("-f", "matroska")),
    ],
)
def test_other_shapes_are_declined_and_listed_by_ffprobe_instead(
    base: Path, name: str, args: tuple[str, ...]
) -> None:
    path = remux(base, name, *args)
    info = probe(str(path), timeout_s=20)
    assert info.video is not None
    with pytest.raises(IndexUnavailable):
        read_index(str(path), info.format_name, info.video.index)
    index = probe_index(frames.check_source(str(path), info), 20)
    assert index.offsets is None
    assert_matches(index, path, info.video.index, offsets=False)
