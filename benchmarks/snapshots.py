"""Snapshots by input seeking against a whole-file decode, on a 10-minute 1080p source.

The source is made once and cached under .mediaflow/bench/: 1920x1080, 25 fps, 600 s of
testsrc2, x264 ``ultrafast`` with a key frame every 2 s (``-g 50``: what Mediaflow's own
renditions and most streaming sources carry; a camera file is usually denser).

Measured in one run, each the median of 3 after one warm-up (wall time; CPU seconds printed too):

(a) decoding the whole file once: ``ffmpeg -i source -map 0:v -f null -`` (all threads);
(b) 10 DOTS snapshots spread over the file (``frames.grab``: one input per point, accurate seek,
    jpg at max_length 480): target (b) <= (a) / 20;
(c) TIME snapshots every 10 s (60 pictures, same path): reported, and must beat (a).

Exit code 0 when (b) meets its target and (c) beats (a), 1 otherwise.
Run: ``.venv/bin/python benchmarks/snapshots.py`` (``make bench`` builds ffmpeg first).
"""

from __future__ import annotations

import os
import resource
import shutil
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

from mediaflow.media import ffmpeg_path, media_env, probe  # noqa: E402
from mediaflow.mediaops import frames  # noqa: E402

RUNS = 3
DURATION_S = 600
DOTS = [round(DURATION_S * (i + 0.5) / 10, 3) for i in range(10)]
TIME_STEP_S = 10
TARGET_RATIO = 20


def source() -> Path:
    path = REPO / ".mediaflow" / "bench" / "snapshots-1080p-600s-g50.mp4"
    if not path.exists():
        print("making the 10-minute 1080p source (once, about 5 minutes)...", flush=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.mp4")
        argv = [
            *(ffmpeg_path(), "-nostdin", "-v", "error", "-y", "-f", "lavfi"),
            *("-i", f"testsrc2=size=1920x1080:rate=25:duration={DURATION_S}"),
            *("-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p"),
            *("-movflags", "+faststart", str(tmp)),
        ]
        subprocess.run(argv, check=True, env=media_env(), stdin=subprocess.DEVNULL, timeout=3600)
        tmp.replace(path)
    return path


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(work: Callable[[], object]) -> tuple[float, float]:
    """Median wall and CPU seconds of RUNS runs after a warm-up."""
    work()
    walls, cpus = [], []
    for _ in range(RUNS):
        began, cpu = time.monotonic(), cpu_seconds()
        work()
        walls.append(time.monotonic() - began)
        cpus.append(cpu_seconds() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    clip = source()
    info = probe(str(clip), timeout_s=60)
    size = frames.fit(frames.display_size(info), max_length=480)
    scratch = Path(tempfile.mkdtemp(prefix="mf-bench-snap-"))

    def decode_all() -> None:
        argv = [ffmpeg_path(), "-nostdin", "-v", "error", "-i", str(clip), "-map", "0:v", "-f", "null", "-"]
        subprocess.run(argv, check=True, env=media_env(), stdin=subprocess.DEVNULL)

    def grab(times: list[float]) -> Callable[[], object]:
        def run() -> object:
            out = scratch / "out"
            shutil.rmtree(out, ignore_errors=True)
            job = frames.Grab(str(clip), info, times, size, "jpg", out, interval=None)
            shots = frames.grab(job, deadline_s=600)
            assert len(shots) == len(times)
            return shots

        return run

    try:
        whole, whole_cpu = measure(decode_all)
        dots, dots_cpu = measure(grab(DOTS))
        grid = [float(t) for t in range(0, DURATION_S, TIME_STEP_S)]
        timed, timed_cpu = measure(grab(grid))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"source: {clip.name}, {info.duration_s:.0f} s, {info.video.width}x{info.video.height}")  # type: ignore[union-attr]
    print(f"(a) decode the whole file:       {whole:7.2f} s wall  {whole_cpu:7.2f} s CPU")
    print(
        f"(b) 10 DOTS snapshots:           {dots:7.2f} s wall  {dots_cpu:7.2f} s CPU  = 1/{whole / dots:.1f}"
    )
    label = f"(c) TIME every {TIME_STEP_S} s ({len(grid)} pictures):"
    print(f"{label} {timed:7.2f} s wall  {timed_cpu:7.2f} s CPU  = 1/{whole / timed:.1f}")
    dots_ok, time_ok = dots * TARGET_RATIO <= whole, timed < whole
    print(
        f"verdict: DOTS {'MET' if dots_ok else 'MISSED'} (target <= 1/{TARGET_RATIO} of a whole decode); "
        f"TIME {'MET' if time_ok else 'MISSED'} (target: faster than a whole decode)"
    )
    return 0 if dots_ok and time_ok else 1


if __name__ == "__main__":
    sys.exit(main())
