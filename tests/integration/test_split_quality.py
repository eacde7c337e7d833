"""A split encode against a single pass of the same renditions, on several kinds of source: the
frames, the timeline, the sound and the quality at every chunk seam must be a single pass's.

Targets (issue 10): frame count equal to the source's (CFR) and duration within one frame; first
and last frames the single pass's; audio and video durations within 50 ms; timestamps strictly
increasing with a constant step (CFR), no discontinuity, HLS segments within one frame of their
length; per-frame PSNR against the source within 0.5 dB of the single pass's at every seam
(+-10 frames), mean within 0.2 dB; total size within +3 %.
"""

from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass
from pathlib import Path

import pytest

from mediaflow import settings
from mediaflow.transcode.spec import RenditionSpec, VideoSpec
from tests.integration.test_auth import create_project
from tests.integration.test_split_transcode import download, run_task
from tests.support import media_checks as check
from tests.support.aws import MotoStack
from tests.support.clips import make_clip, run_ffmpeg

HLS = RenditionSpec(
    template_id=1, pack_type="HLS", video=VideoSpec(height=240), hls_interval=2, output_name="h"
)
MP4 = RenditionSpec(
    template_id=2, pack_type="MP4", video=VideoSpec(height=180, gop_seconds=2), output_name="m"
)
CHUNK_S = 4


@dataclass(frozen=True)
class Case:
    name: str
    seconds: int
    fps: int
    source: str = "testsrc2"
    audio: bool = True
    rotate: int | None = None


CASES = [
    Case("pattern-25fps", 12, 25),
    Case("detailed-30fps", 12, 30, source="mandelbrot"),
    Case("silent", 12, 25, audio=False),
    Case("portrait-phone", 12, 30, rotate=90),
]


SEAMS: dict[str, float] = {}  # case -> the split's chunk length


def _encode(project: str, clip: Path, folder: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MEDIAFLOW_TRANSCODE_SPLIT", mode)
    monkeypatch.setenv("MEDIAFLOW_MIN_CHUNK_S", str(CHUNK_S))
    monkeypatch.setenv("MEDIAFLOW_TRANSCODE_PARALLEL", "3")
    settings.reset_settings()
    task = run_task(project, clip, [HLS, MP4], folder)
    assert task.status == "SUCCEEDED", task.doc
    assert (task.doc.chunks > 1) == (mode == "always")
    if task.doc.split:
        SEAMS[clip.name] = task.doc.split.chunk_s
    return download(project, folder, clip.parent / f"{project}-{folder}")


@pytest.fixture(scope="module", params=CASES, ids=lambda c: c.name)
def pair(request: pytest.FixtureRequest, clip_dir: Path) -> tuple[Case, Path, Path, Path]:
    case: Case = request.param
    monkeypatch = pytest.MonkeyPatch()
    stack = request.getfixturevalue("stack")
    from tests.support.aws import environment

    with environment(dict(stack.env)):
        from mediaflow import aws

        settings.reset_settings()
        aws.reset_clients()
        project, _ = create_project(f"quality-{case.name}")
        clip = make_clip(clip_dir, seconds=case.seconds, width=480, height=270, fps=case.fps,
                         source=case.source, audio=case.audio, rotate=case.rotate)  # fmt: skip
        single = _encode(project, clip, "single", "never", monkeypatch)
        split = _encode(project, clip, "split", "always", monkeypatch)
        monkeypatch.undo()
        settings.reset_settings()
        aws.reset_clients()
    return case, clip, single, split


def _seams(case: Case, clip: Path) -> list[int]:
    chunk = SEAMS[clip.name]
    return [round(i * chunk * case.fps) for i in range(1, math.ceil(case.seconds / chunk))]


def test_frames_and_timeline_are_a_single_pass_s(
    pair: tuple[Case, Path, Path, Path], core_env: MotoStack
) -> None:
    case, clip, single, split = pair
    source_frames = len(check.frame_times(clip))
    assert source_frames == case.seconds * case.fps
    for name, video in (("hls", split / ("h_v.m3u8" if case.audio else "h.m3u8")), ("mp4", split / "m.mp4")):
        times = check.frame_times(video)
        assert len(times) == source_frames, name
        steps = [b - a for a, b in itertools.pairwise(times)]
        assert all(abs(s - 1 / case.fps) < 0.002 for s in steps), (
            name,
            sorted(set(round(s, 4) for s in steps)),
        )
        decode = [float(p["dts_time"]) for p in check.packets(video)]
        assert all(b > a for a, b in itertools.pairwise(decode)), name
        assert check.frame_md5(video, 0) == check.frame_md5(
            single / ("h.m3u8" if name == "hls" else "m.mp4"), 0
        ), f"{name}: first frame"
        last = source_frames - 1
        assert check.frame_psnr(video, single / ("h.m3u8" if name == "hls" else "m.mp4"), last) > 35, name
    playlist = (split / ("h_v.m3u8" if case.audio else "h.m3u8")).read_text()
    assert "#EXT-X-DISCONTINUITY" not in playlist
    lengths = [float(line[8:].split(",")[0]) for line in playlist.splitlines() if line.startswith("#EXTINF:")]
    assert all(abs(d - 2) <= 1 / case.fps + 1e-6 for d in lengths[:-1]), lengths
    assert sum(lengths) == pytest.approx(case.seconds, abs=1 / case.fps)


def test_sound_stays_with_the_picture(pair: tuple[Case, Path, Path, Path], core_env: MotoStack) -> None:
    case, _clip, _single, split = pair
    if not case.audio:
        assert "#EXT-X-MEDIA:" not in (split / "h.m3u8").read_text()
        return
    for output in (split / "h.m3u8", split / "m.mp4"):
        video, audio = check.duration(output, "v:0"), check.duration(output, "a:0")
        assert abs(video - audio) <= 0.05, (output.name, video, audio)


def test_quality_at_every_seam_and_size(pair: tuple[Case, Path, Path, Path], core_env: MotoStack) -> None:
    case, clip, single, split = pair
    for name, a, b in (
        ("hls", single / "h.m3u8", split / ("h_v.m3u8" if case.audio else "h.m3u8")),
        ("mp4", single / "m.mp4", split / "m.mp4"),
    ):
        size = _size_of(a)
        one, many = check.psnr_per_frame(a, clip, *size), check.psnr_per_frame(b, clip, *size)
        assert len(one) == len(many) == case.seconds * case.fps, name
        for seam in _seams(case, clip):
            window = range(max(0, seam - 10), min(len(one), seam + 10))
            worst = max(one[i] - many[i] for i in window)
            assert worst <= 0.5, f"{name}: {worst:.2f} dB below the single pass near frame {seam}"
        assert statistics.mean(one) - statistics.mean(many) <= 0.2, name
    single_bytes = sum(p.stat().st_size for p in single.iterdir() if p.suffix in (".ts", ".mp4"))
    split_bytes = sum(p.stat().st_size for p in split.iterdir() if p.suffix in (".ts", ".mp4"))
    assert split_bytes <= single_bytes * 1.03, (split_bytes, single_bytes)


def _size_of(output: Path) -> tuple[int, int]:
    import json
    import subprocess

    from mediaflow.media.binaries import ffprobe_path, media_env

    out = subprocess.run(
        [ffprobe_path(), "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
         "-of", "json", str(output)], capture_output=True, check=True, env=media_env(),
    )  # fmt: skip
    stream = json.loads(out.stdout)["streams"][0]
    return int(stream["width"]), int(stream["height"])


def test_variable_frame_rate_keeps_every_frame_in_order(
    core_env: MotoStack, clip_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("quality-vfr")
    clip = clip_dir / "vfr-10-then-30fps-10s.mp4"  # a name of its own: clip_dir is shared
    if not clip.exists():  # 10 fps for 5 s, then 30 fps for 5 s: a variable frame rate
        run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=480x270:rate=30:duration=10",
                    "-vf", "select='gte(n\\,150)+not(mod(n\\,3))'", "-fps_mode", "vfr",
                    "-c:v", "libx264", "-preset", "ultrafast", str(clip)])  # fmt: skip
    single = _encode(project, clip, "single", "never", monkeypatch)
    split = _encode(project, clip, "split", "always", monkeypatch)
    one, many = check.frame_times(single / "m.mp4"), check.frame_times(split / "m.mp4")
    assert len(many) == len(one)
    assert all(b > a for a, b in itertools.pairwise(many))
    assert max(abs(a - b) for a, b in zip(one, many, strict=True)) < 0.002
