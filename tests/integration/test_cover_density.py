"""Issue 15 on an edited clip (tests/support/cover_clips.py ``EDITED``): three good shots that each
hold several distinct moments, between black, blurred, flat, faded and repeated stretches, encoded
three ways - x264's GOP 250 with scene cuts, a fixed 10 s GOP (keyframes at 0, 10 and 20 s, two of
them in fades) and a 1 s GOP. Whatever the GOP: no cover from a bad stretch while a good stretch
still had a distinct moment to give, never the same frame twice, and fewer covers only with a
message that says why. Ground truth is every frame of the clip, hashed as the picker hashes."""

from __future__ import annotations

import itertools
import subprocess
from functools import cache
from pathlib import Path

import pytest

from mediaflow.covers import DUPLICATE_DISTANCE, PickResult, fetch, frames, output, pick_covers
from mediaflow.covers.index import read_index
from mediaflow.covers.phash import hamming
from mediaflow.media import MediaInfo, ffmpeg_path, media_env, probe
from tests.support import cover_clips
from tests.support.cover_clips import edited_at, edited_is_bad

pytest_plugins = ["tests.integration.conftest_media"]

GOPS = tuple(cover_clips.GOPS)


@pytest.fixture(scope="module")
def edited(clip_dir: Path) -> dict[str, tuple[Path, MediaInfo]]:
    """In ``clip_dir``, shared with the worker's tests that use the same clips."""
    return {
        gop: (path, probe(str(path), timeout_s=20))
        for gop, path in cover_clips.make_edited_clips(clip_dir).items()
    }


@cache
def good_frames(path: Path) -> list[tuple[float, int]]:
    return [(t, h) for t, h in cover_clips.frame_hashes(path) if edited_at(t).label == "good"]


def pick(clip: tuple[Path, MediaInfo], workdir: Path, count: int, dedupe: bool) -> PickResult:
    path, info = clip
    return pick_covers(
        str(path), count=count, width=None, height=None, fmt="jpg", delete_duplicates=dedupe,
        workdir=workdir, source_info=info, deadline_s=30,
    )  # fmt: skip


def assert_no_bad_cover_while_good_moments_left(result: PickResult, path: Path, dedupe: bool) -> None:
    hashes = [int(c.phash, 16) for c in result.covers]
    limit = DUPLICATE_DISTANCE if dedupe else 0
    left = [t for t, h in good_frames(path) if all(hamming(h, c) > limit for c in hashes)]
    bad = [c.timestamp_s for c in result.covers if c.fallback or edited_is_bad(c.timestamp_s)]
    if bad or len(result.covers) < result.requested:
        assert not left, (
            f"covers {bad} from bad stretches while {len(left)} good moments were left, e.g. {left[:5]}"
        )


def assert_never_the_same_frame_twice(result: PickResult, dedupe: bool) -> None:
    times = [c.timestamp_s for c in result.covers]
    assert len(set(times)) == len(times), times
    for a, b in itertools.combinations(result.covers, 2):
        distance = hamming(int(a.phash, 16), int(b.phash, 16))
        assert distance > (DUPLICATE_DISTANCE if dedupe else 0), (a.timestamp_s, b.timestamp_s, distance)


@pytest.mark.parametrize("gop", GOPS)
@pytest.mark.parametrize(("count", "dedupe"), [(5, True), (8, True), (10, False)])
def test_every_cover_is_good_and_distinct_whatever_the_gop(
    edited: dict[str, tuple[Path, MediaInfo]], tmp_path: Path, gop: str, count: int, dedupe: bool
) -> None:
    result = pick(edited[gop], tmp_path, count, dedupe)
    assert len(result.covers) == count and not result.fallback, result.message
    assert all(not edited_is_bad(c.timestamp_s) for c in result.covers), [
        c.timestamp_s for c in result.covers
    ]
    shots = {edited_at(c.timestamp_s).shot for c in result.covers if edited_at(c.timestamp_s).label == "good"}
    assert len(shots) == 3  # every good shot
    assert_never_the_same_frame_twice(result, dedupe)
    assert result.candidates >= min(4 * count, 14)  # density: one per 2 s at least (27 s)


@pytest.mark.parametrize("gop", ["sparse", "dense"])
def test_more_covers_than_good_moments_fall_back_only_when_none_is_left(
    edited: dict[str, tuple[Path, MediaInfo]], tmp_path: Path, gop: str
) -> None:
    result = pick(edited[gop], tmp_path, 20, True)
    assert_no_bad_cover_while_good_moments_left(result, edited[gop][0], True)
    assert_never_the_same_frame_twice(result, True)
    good = [c for c in result.covers if not c.fallback]
    assert good == result.covers[: len(good)]  # good covers first, then the fallbacks
    if result.fallback:
        assert f"only {len(good)} of 20" in result.message and "no more distinct moments" in result.message
    if len(result.covers) < 20:
        assert "instead of 20" in result.message


def test_a_source_without_an_index_is_sampled_by_seeking(
    edited: dict[str, tuple[Path, MediaInfo]], media_dir: Path, tmp_path: Path
) -> None:
    """Matroska (no MP4 sample table): keyframes from one pass, extras by input seeking."""
    mkv = media_dir / "edited-sparse.mkv"
    if not mkv.exists():
        cmd = [ffmpeg_path(), "-v", "error", "-y", "-i", str(edited["sparse"][0]), "-c", "copy", str(mkv)]
        subprocess.run(cmd, check=True, env=media_env())
    info = probe(str(mkv), timeout_s=20)
    result = pick((mkv, info), tmp_path, 5, True)
    assert result.keyframes == 3 and result.candidates >= 14, (result.keyframes, result.candidates)
    assert len(result.covers) == 5 and not result.fallback, result.message
    assert all(not edited_is_bad(c.timestamp_s) for c in result.covers)
    assert_never_the_same_frame_twice(result, True)


def test_frames_decoded_from_the_index_are_the_frames_ffmpeg_decodes(
    edited: dict[str, tuple[Path, MediaInfo]], tmp_path: Path
) -> None:
    """A frame deep inside a 10 s GOP, written through the index (its GOP's bytes piped into one
    ffmpeg as Matroska) and by seeking in the source: the same image, byte for byte."""
    path, info = edited["sparse"]
    index = read_index(str(path), info.format_name, 0)
    times = index.pts / index.timescale
    samples = [int(abs(times - t).argmin()) for t in (13.4, 4.0, 21.2)]  # not keyframes, out of order
    assert not any(index.keys[i] for i in samples)
    src = frames.check_source(str(path), info)
    spec = output.output_spec(info, None, None, "png")
    fetched = [str(tmp_path / f"fetched-{i}.png") for i in range(3)]
    sought = [str(tmp_path / f"sought-{i}.png") for i in range(3)]
    fetch.write_covers(src, index, samples, spec, fetched, frames.Deadline(20))
    output.extract(src, [float(times[i]) for i in samples], spec, sought, frames.Deadline(20))
    for a, b in zip(fetched, sought, strict=True):
        assert Path(a).read_bytes() == Path(b).read_bytes()


def test_rejected_frames_fill_in_only_once_the_good_ones_are_used_up_and_the_job_says_so(
    media_dir: Path, tmp_path: Path
) -> None:
    """One still good picture, then black, blurred and flat stretches; Count 3. The blurred bars
    and the grey card hash within the duplicate distance of each other, so only one of them."""
    path = cover_clips.make_scarce_clip(media_dir)
    result = pick((path, probe(str(path), timeout_s=20)), tmp_path, 3, True)
    assert [c.fallback for c in result.covers] == [False, True], result.message
    good, filled = result.covers
    assert not cover_clips.is_bad(cover_clips.SCARCE, good.timestamp_s)
    assert filled.rejected in ("blurred", "flat")  # never black while anything else exists
    good_frames = [h for t, h in cover_clips.frame_hashes(path) if t < 2]
    assert all(hamming(h, int(good.phash, 16)) <= DUPLICATE_DISTANCE for h in good_frames)  # none left
    assert result.message.startswith("only 1 of 3 covers passed the quality checks")
    assert "the good frames hold no more distinct moments" in result.message
    assert "1 cover is the best of the rejected frames" in result.message
    assert "so 2 covers instead of 3" in result.message
