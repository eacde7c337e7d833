"""pick_covers against the real static ffmpeg, on a test video with known bad stretches
(tests/support/cover_clips.py): black, heavy blur, a flat card, fades, a white flash and a
repeated shot between six distinct good shots, with a keyframe every second."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from mediaflow.covers import (
    DUPLICATE_DISTANCE,
    PickError,
    PickErrorCode,
    PickResult,
    frames,
    output,
    pick_covers,
)
from mediaflow.covers.phash import hamming, phash
from mediaflow.media import MediaInfo, ffmpeg_path, ffprobe_path, media_env, probe
from tests.support import clips, cover_clips

if TYPE_CHECKING:  # imported by pytest as a plugin; importing it first would skip assert rewriting
    from tests.integration.conftest_media import RangeServer

pytest_plugins = ["tests.integration.conftest_media"]

MAGIC = {"jpg": b"\xff\xd8\xff", "png": b"\x89PNG", "webp": b"RIFF"}


@pytest.fixture(scope="module")
def clip(media_dir: Path) -> tuple[Path, MediaInfo]:
    path, _ = cover_clips.make_cover_test_clip(media_dir)
    return path, probe(str(path), timeout_s=20)


def pick(source: Path | str, info: MediaInfo, workdir: Path, **overrides: object) -> PickResult:
    args: dict[str, object] = {
        "count": 5, "width": None, "height": None, "fmt": "jpg", "delete_duplicates": True, "deadline_s": 20,
    }  # fmt: skip
    args.update(overrides)
    return pick_covers(str(source), workdir=workdir, source_info=info, **args)  # type: ignore[arg-type]


def image_size(path: str) -> tuple[int, int]:
    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
        capture_output=True, check=True, env=media_env(), text=True,
    ).stdout  # fmt: skip
    width, height = out.strip().split(",")[:2]
    return int(width), int(height)


def gray(path: str, width: int, height: int) -> np.ndarray:
    """Decode an image (or a video's first frame) to an 8-bit full-range luma plane."""
    raw = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", path, "-frames:v", "1", "-vf",
         f"scale={width}:{height}:flags=area:out_range=full,format=gray", "-f", "rawvideo", "-"],
        capture_output=True, check=True, env=media_env(),
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(height, width)


def test_every_cover_comes_from_a_good_stretch(clip: tuple[Path, MediaInfo], tmp_path: Path) -> None:
    result = pick(clip[0], clip[1], tmp_path, count=5)
    assert not result.fallback and len(result.covers) == 5, result.message
    for cover in result.covers:
        assert cover_clips.interval_at(cover.timestamp_s).label == "good", cover
        assert not cover.fallback and cover.rejected is None
        assert Path(cover.path).read_bytes()[:3] == MAGIC["jpg"]
        assert image_size(cover.path) == (320, 180)
    totals = [c.score["total"] for c in result.covers]
    assert totals == sorted(totals, reverse=True)  # ranked, best first
    assert [c.rank for c in result.covers] == list(range(5))
    assert {"black", "blurred", "flat", "blown-out", "fade"} <= set(result.rejected)


def test_delete_duplicates_keeps_covers_apart_and_the_repeated_shot_once(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    result = pick(clip[0], clip[1], tmp_path, count=len(cover_clips.GOOD_SHOTS))
    assert not result.fallback, result.message
    shots = [cover_clips.interval_at(c.timestamp_s).shot for c in result.covers]
    assert sorted(shots) == sorted(cover_clips.GOOD_SHOTS)  # one per distinct shot, testsrc2 once
    for a, b in itertools.combinations(result.covers, 2):
        assert hamming(int(a.phash, 16), int(b.phash, 16)) > DUPLICATE_DISTANCE
    # The files themselves: each is the analysed frame, and no two are perceptually alike.
    hashes = [phash(gray(c.path, 320, 180)) for c in result.covers]
    for cover, file_hash in zip(result.covers, hashes, strict=True):
        assert hamming(file_hash, int(cover.phash, 16)) <= 4
    assert all(hamming(a, b) > DUPLICATE_DISTANCE for a, b in itertools.combinations(hashes, 2))


def test_without_delete_duplicates_shots_give_second_covers_spaced_apart(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    result = pick(clip[0], clip[1], tmp_path, count=10, delete_duplicates=False)
    assert not result.fallback and len(result.covers) == 10, result.message
    assert all(cover_clips.interval_at(c.timestamp_s).label == "good" for c in result.covers)
    times = sorted(c.timestamp_s for c in result.covers)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1.5  # min gap: 30 s / (2 x 10)


def test_covers_from_memory_match_covers_decoded_by_seeking(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    path, info = clip
    result = pick(path, info, tmp_path, count=3, fmt="png")
    assert all(c.keyframe for c in result.covers)  # good keyframes: written from the analysis pass
    spec = output.output_spec(info, None, None, "png")
    sought = [str(tmp_path / f"sought-{c.rank}.png") for c in result.covers]
    times = [c.timestamp_s for c in result.covers]
    output.extract(frames.check_source(str(path), info), times, spec, sought, frames.Deadline(20))
    for cover, other in zip(result.covers, sought, strict=True):
        assert Path(cover.path).read_bytes() == Path(other).read_bytes()  # same frame, same pixels


@pytest.mark.parametrize(
    ("fmt", "width", "height", "expected"),
    [("jpg", 256, None, (256, 144)), ("png", None, 120, (213, 120)), ("webp", 200, 200, (200, 200))],
)
def test_format_and_dimensions(
    clip: tuple[Path, MediaInfo],
    tmp_path: Path,
    fmt: str,
    width: int | None,
    height: int | None,
    expected: tuple[int, int],
) -> None:
    result = pick(clip[0], clip[1], tmp_path, count=2, fmt=fmt, width=width, height=height)
    assert (result.width, result.height, result.format) == (*expected, fmt)
    for cover in result.covers:
        assert cover.path.endswith(f".{fmt}")
        assert Path(cover.path).read_bytes()[: len(MAGIC[fmt])] == MAGIC[fmt]
        assert image_size(cover.path) == expected


def test_rotated_source_gives_upright_covers(media_dir: Path, tmp_path: Path) -> None:
    upright = clips.make_clip(media_dir, seconds=2, width=320, height=240, audio=False)
    rotated = clips.make_clip(media_dir, seconds=2, width=320, height=240, audio=False, rotate=90)
    info = probe(str(rotated), timeout_s=20)
    result = pick(rotated, info, tmp_path, count=1, width=120)
    assert (result.width, result.height) == (120, 160)  # portrait, height from the display aspect
    [cover] = result.covers
    assert image_size(cover.path) == (120, 160)
    # The cover is the upright clip's frame turned a quarter clockwise, as a player shows it.
    full = pick(rotated, info, tmp_path / "full", count=1, delete_duplicates=False).covers[0]
    seen = gray(full.path, 240, 320).astype(np.int16)
    frame_path = str(tmp_path / "frame.png")
    subprocess.run(
        [ffmpeg_path(), "-v", "error", "-ss", f"{full.timestamp_s:.3f}", "-i", str(upright), "-frames:v", "1",
         "-update", "1", frame_path],
        check=True, env=media_env(),
    )  # fmt: skip
    expected = np.rot90(gray(frame_path, 320, 240), k=-1).astype(np.int16)
    assert np.abs(seen - expected).mean() < 8
    assert np.abs(seen - np.rot90(expected, k=2)).mean() > 20


def test_more_covers_than_good_shots_come_from_within_good_shots_before_any_rejected_frame(
    clip: tuple[Path, MediaInfo], tmp_path: Path
) -> None:
    """Count 12, six distinct good shots of 3 s: further covers come from within the good shots,
    pHash-distinct; a rejected frame only once every good frame is a duplicate of a cover."""
    result = pick(clip[0], clip[1], tmp_path, count=12)
    good = [c for c in result.covers if not c.fallback]
    assert len(good) > len(cover_clips.GOOD_SHOTS), result.message
    assert all(not cover_clips.is_bad(cover_clips.INTERVALS, c.timestamp_s) for c in good)
    assert result.covers[: len(good)] == good  # good covers first
    hashes = [int(c.phash, 16) for c in result.covers]
    for a, b in itertools.combinations(hashes, 2):
        assert hamming(a, b) > DUPLICATE_DISTANCE
    if result.fallback:
        assert f"only {len(good)} of 12" in result.message and "no more distinct moments" in result.message
        frames_left = [
            t
            for t, h in cover_clips.frame_hashes(clip[0])
            if cover_clips.interval_at(t).label == "good"
            and all(hamming(h, c) > DUPLICATE_DISTANCE for c in hashes)
        ]
        assert not frames_left, f"rejected frames used while good moments were left: {frames_left[:5]}"
    assert all(cover_clips.interval_at(c.timestamp_s).label != "black" for c in result.covers)


def test_single_colour_clip_falls_back_with_a_clear_message(media_dir: Path, tmp_path: Path) -> None:
    path = cover_clips.make_flat_clip(media_dir)
    result = pick(path, probe(str(path), timeout_s=20), tmp_path, count=3, delete_duplicates=False)
    assert result.fallback
    assert "every frame is flat" in result.message and "1 cover instead of 3" in result.message
    [cover] = result.covers
    assert cover.fallback and cover.rejected == "flat" and Path(cover.path).is_file()


def test_single_gop_clip_is_sampled_between_keyframes(media_dir: Path, tmp_path: Path) -> None:
    path = clips.make_clip(media_dir, seconds=4, width=320, height=180, audio=False)  # one GOP
    result = pick(path, probe(str(path), timeout_s=20), tmp_path, count=3, delete_duplicates=False)
    assert result.keyframes == 1 and result.candidates > 3
    assert len(result.covers) == 3 and not result.fallback, result.message
    assert any(not c.keyframe for c in result.covers)
    assert all(Path(c.path).is_file() for c in result.covers)


def test_local_http_source_gives_the_same_covers(
    clip: tuple[Path, MediaInfo], tmp_path: Path, range_server: RangeServer
) -> None:
    local = pick(clip[0], clip[1], tmp_path / "local", count=3)
    remote = pick(range_server.url(clip[0]), clip[1], tmp_path / "remote", count=3)
    assert [c.timestamp_s for c in remote.covers] == [c.timestamp_s for c in local.covers]
    assert range_server.bytes_sent


@pytest.mark.parametrize(
    "source",
    ["https://example.com/a.mp4", "http://localhost:1/a.mp4", "file:/etc/passwd", "-i", "/no/such.mp4"],
)
def test_other_sources_are_refused(clip: tuple[Path, MediaInfo], tmp_path: Path, source: str) -> None:
    with pytest.raises(PickError) as caught:
        pick(source, clip[1], tmp_path)
    assert caught.value.code == PickErrorCode.INVALID_SOURCE


def test_deadline_is_enforced(clip: tuple[Path, MediaInfo], tmp_path: Path) -> None:
    with pytest.raises(PickError) as caught:
        pick(clip[0], clip[1], tmp_path, deadline_s=0.005)
    assert caught.value.code == PickErrorCode.TIMEOUT
