"""Speed of the smart-cover picker on a 1080p H.264 minute, on one core, against ffmpeg's thumbnail.

The clip is made once from lavfi sources and cached under .mediaflow/bench/: 1920x1080, 25 fps,
60 s, eight 7.5 s shots of distinct looks (one fading through black), light temporal grain so the
encoder works as on camera footage, x264 ``veryfast`` at 6 Mbit/s (maxrate 8M) with x264's default
GOP (``-g 250``, scene-cut keyframes on): what a web upload typically is.

Both contenders run pinned to CPU 0 (``os.sched_setaffinity``, what ``taskset -c 0`` does; ffmpeg
children inherit it and size their thread pools to it). Printed, each the median of 3 runs after
one warm-up run:

(a) realtime factor = clip duration / wall time of ``pick_covers`` (Count=5, jpg, source size,
    DeleteDuplicates on, including writing the five full-size JPEGs); target >= 200x;
(b) ``ffmpeg -i clip -vf thumbnail=300 -frames:v 5`` (five thumbnails, one per 300-frame batch,
    i.e. covering the whole minute, written as JPEGs) wall time / the picker's; target >= 10x.

CPU seconds (user + sys of the process and its ffmpeg children) are printed too: on a shared
machine they move less than wall time.

Run: ``.venv/bin/python benchmarks/smart_cover_speed.py`` (``make bench`` builds ffmpeg first).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))
os.environ.setdefault("GCONV_PATH", "/dev/null")

from mediaflow.covers import pick_covers  # noqa: E402 - needs the path above
from mediaflow.media import ffmpeg_path, media_env, probe  # noqa: E402
from tests.support.clips import _cached  # noqa: E402

RUNS = 3
COUNT = 5
CPU = 0
SHOT_S = 7.5
SIZE = "1920x1080"
SHOTS = (
    f"testsrc2=s={SIZE}:r=25:d={SHOT_S},fade=t=out:st={SHOT_S - 1}:d=1",
    f"gradients=s={SIZE}:r=25:d={SHOT_S}:speed=0.02:c0=#c03010:c1=#1040a0:c2=#20a040:n=3,fade=t=in:d=1",
    "life=s=960x540:r=25:seed=1:mold=10:ratio=0.2:death_color=#203040:life_color=#e0c080,"
    f"scale={SIZE}:flags=neighbor,trim=duration={SHOT_S}",
    f"mandelbrot=s=960x540:r=25,scale={SIZE},trim=duration={SHOT_S}",
    f"sierpinski=s={SIZE}:r=25:seed=2,trim=duration={SHOT_S}",
    f"cellauto=s={SIZE}:r=25:rule=110,trim=duration={SHOT_S}",
    f"smptehdbars=s={SIZE}:r=25:d={SHOT_S}",
    f"testsrc=s={SIZE}:r=25:d={SHOT_S}",
)


def make_clip(directory: Path) -> Path:
    args: list[str] = []
    for shot in SHOTS:
        args += ["-f", "lavfi", "-i", shot]
    inputs = "".join(f"[{i}]" for i in range(len(SHOTS)))
    args += [
        *("-filter_complex", f"{inputs}concat=n={len(SHOTS)}:v=1:a=0,format=yuv420p,noise=alls=6:allf=t[v]"),
        *("-map", "[v]", "-c:v", "libx264", "-preset", "veryfast", "-g", "250"),
        *(
            "-b:v",
            "6M",
            "-maxrate",
            "8M",
            "-bufsize",
            "12M",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ),
    ]
    if not any(directory.glob("smart-cover-1080p-*.mp4")):
        print("making the 1080p clip once (about a minute) ...", flush=True)
    return _cached(directory, "smart-cover-1080p", "mp4", args)


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(median wall, median CPU) of RUNS runs after one warm-up."""
    fn()
    walls, cpus = [], []
    for _ in range(RUNS):
        cpu, start = cpu_seconds(), time.perf_counter()
        fn()
        walls.append(time.perf_counter() - start)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def ffmpeg(*args: str) -> bytes:
    cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    return subprocess.run(cmd, capture_output=True, check=True, env=media_env()).stdout


def main() -> int:
    clip = make_clip(REPO / ".mediaflow" / "bench")
    info = probe(str(clip), timeout_s=60)
    video = info.video
    assert video is not None
    keyframes = int(ffmpeg("-skip_frame", "nokey", "-i", str(clip), "-f", "framecrc", "-").count(b"\n0,"))
    os.sched_setaffinity(0, {CPU})
    print(
        f"clip: {clip.name}, {video.width}x{video.height} {video.codec}, {info.duration_s:.1f} s, "
        f"{(info.bitrate or 0) / 1e6:.1f} Mbit/s, {keyframes} keyframes; pinned to CPU {CPU}; "
        f"median of {RUNS} runs after a warm-up"
    )
    with tempfile.TemporaryDirectory(prefix="mf-cover-bench-") as tmp:
        work = Path(tmp)
        results = []

        def picker() -> None:
            result = pick_covers(
                str(clip), count=COUNT, width=None, height=None, fmt="jpg", delete_duplicates=True,
                workdir=work / "picker", source_info=info,
            )  # fmt: skip
            results.append(result)

        def thumbnail() -> None:
            batch = round(info.duration_s * (video.frame_rate or 25) / COUNT)
            args = ["-i", str(clip), "-vf", f"thumbnail={batch}", "-frames:v", str(COUNT), "-fps_mode"]
            ffmpeg(*args, "passthrough", "-q:v", "2", str(work / "thumb-%d.jpg"))

        def keyframes_only() -> None:
            ffmpeg("-skip_frame", "nokey", "-i", str(clip), "-f", "null", "-")

        pick_wall, pick_cpu = timed(picker)
        thumb_wall, thumb_cpu = timed(thumbnail)
        floor_wall, floor_cpu = timed(keyframes_only)
    result = results[-1]
    duration = info.duration_s
    print(
        f"picker:    {pick_wall:6.3f} s wall, {pick_cpu:6.3f} s CPU; {len(result.covers)} covers at "
        f"{[c.timestamp_s for c in result.covers]} from {result.candidates} candidates, "
        f"fallback={result.fallback}"
    )
    print(f"thumbnail: {thumb_wall:6.3f} s wall, {thumb_cpu:6.3f} s CPU")
    print(f"keyframes alone (-skip_frame nokey -f null): {floor_wall:6.3f} s wall, {floor_cpu:6.3f} s CPU")
    factor, factor_cpu = duration / pick_wall, duration / pick_cpu
    ratio, ratio_cpu = thumb_wall / pick_wall, thumb_cpu / pick_cpu
    print(f"(a) realtime factor {factor:6.1f}x (by CPU time {factor_cpu:6.1f}x); target >= 200x")
    print(f"(b) vs thumbnail    {ratio:6.1f}x (by CPU time {ratio_cpu:6.1f}x); target >= 10x")
    print(
        f"    bound for any keyframe-only picker on this clip: {duration / floor_wall:6.1f}x realtime "
        f"(by CPU time {duration / floor_cpu:6.1f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
