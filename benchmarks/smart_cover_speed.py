"""Speed of the smart-cover picker on 1080p H.264 at GOP 1 s, 2 s and 10 s, on one core, in CPU
seconds, against ffmpeg's ``thumbnail`` filter on the same clips.

Clips (``bench_clips``): one minute of eight distinct 7.5 s shots with grain, x264 at 6 Mbit/s,
keyframes every 25, 50 or 250 frames (plus scene cuts); and the same minute ten times over (10
minutes, joined by stream copy). Each is served by a local S3 stand-in (its own process, not
counted, as S3 is not) and read as the worker reads it: a presigned GET URL, ffprobe through the
loopback relay (the probe), then ``pick_covers`` on the relay's URL (``mediaflow.media.relay``).

Measured: CPU seconds (user + sys) of this process - the relay's threads, index reads, numpy -
and of every ffmpeg/ffprobe it started, from ``resource.getrusage``; wall time is printed too, but
the machine is shared, so verdicts use CPU time. Everything runs pinned to CPU 0
(``os.sched_setaffinity``; ffmpeg sizes its thread pools to that one CPU) and ``thumbnail`` gets
``-threads 1 -filter_threads 1`` as well.

(a) picker: probe + ``pick_covers`` (Count=5, jpg, source size, DeleteDuplicates on, writing
    the five full-size JPEGs), median of 3 runs after a warm-up. Realtime factor = clip duration /
    CPU seconds. Targets: >= 100x on the 1-minute clips, >= 200x on the 10-minute ones.
(b) ``ffmpeg -threads 1 -i URL -vf thumbnail -q:v 2 thumb-%d.jpg`` through the same relay: every
    frame decoded and compared, one thumbnail per 100 frames (ffmpeg's default batch; a batch of
    a fifth of the clip would hold 3,000 full frames in memory on the long clip), one run.
    Target: the picker >= 10x cheaper.

Run: ``.venv/bin/python benchmarks/smart_cover_speed.py [--minutes 1]`` (``make bench-covers``);
exits 1 when a target is missed. The first run makes the clips (a few minutes); the thumbnail
runs on the 10-minute clips take ~3 CPU-minutes each.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core"), str(REPO / "benchmarks")]
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))
os.environ.setdefault("GCONV_PATH", "/dev/null")
os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")

import bench_clips  # noqa: E402 - needs the path above
import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402

from mediaflow.covers import PickResult, pick_covers  # noqa: E402
from mediaflow.covers.index import read_index  # noqa: E402
from mediaflow.media import ffmpeg_path, media_env, probe, relay  # noqa: E402

RUNS = 3
COUNT = 5
CPU = 0
GOPS = (25, 50, 250)  # frames at 25 fps: 1 s, 2 s, 10 s
REALTIME_TARGET = {1: 100.0, 10: 200.0}
THUMBNAIL_TARGET = 10.0
BUCKET = "bench-clips"


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median CPU, median wall) of ``runs`` runs, after a warm-up when runs > 1."""
    if runs > 1:
        fn()
    cpus, walls = [], []
    for _ in range(runs):
        cpu, start = cpu_seconds(), time.perf_counter()
        fn()
        cpus.append(cpu_seconds() - cpu)
        walls.append(time.perf_counter() - start)
    return statistics.median(cpus), statistics.median(walls)


@dataclass
class Row:
    name: str
    minutes: int
    gop: int
    keyframes: int
    pick_cpu: float
    pick_wall: float
    thumb_cpu: float | None
    result: PickResult

    def realtime(self) -> float:
        return self.minutes * 60 / self.pick_cpu

    def versus(self) -> float | None:
        return None if self.thumb_cpu is None else self.thumb_cpu / self.pick_cpu


def bench_clip(url: str, path: Path, minutes: int, gop: int, work: Path, thumbnail: bool) -> Row:
    info = probe(url, timeout_s=60)
    keyframes = int(read_index(str(path), info.format_name, 0).keys.sum())
    results: list[PickResult] = []

    def picker() -> None:
        found = probe(url, timeout_s=60)
        with relay.serve(url, timeout_s=30.0) as local:
            results.append(
                pick_covers(
                    local, count=COUNT, width=None, height=None, fmt="jpg", delete_duplicates=True,
                    workdir=work / "picker", source_info=found,
                )
            )  # fmt: skip

    def thumb() -> None:
        with relay.serve(url, timeout_s=30.0) as local:
            cmd = [ffmpeg_path(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-threads", "1"]
            cmd += ["-protocol_whitelist", "http,tcp", "-i", local, "-filter_threads", "1"]
            cmd += ["-vf", "thumbnail", "-fps_mode", "passthrough", "-q:v", "2", str(work / "thumb-%d.jpg")]
            subprocess.run(cmd, check=True, env=media_env(), capture_output=True)

    pick_cpu, pick_wall = measure(picker, RUNS)
    thumb_cpu = measure(thumb, 1)[0] if thumbnail else None
    name = f"{minutes:2d} min, GOP {gop / 25:g} s"
    return Row(name, minutes, gop, keyframes, pick_cpu, pick_wall, thumb_cpu, results[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--minutes", type=int, choices=(1, 10), action="append", help="clip lengths (default both)"
    )
    parser.add_argument("--no-long-thumbnail", action="store_true", help="skip thumbnail on 10-minute clips")
    args = parser.parse_args()
    lengths = tuple(args.minutes or (1, 10))
    clip_dir = REPO / ".mediaflow" / "bench-clips"
    minutes = bench_clips.make_minutes(clip_dir, GOPS, ffmpeg_path(), media_env())
    clips = {
        (m, g): bench_clips.make_long(minutes[g], m, ffmpeg_path(), media_env())
        for m in lengths
        for g in GOPS
    }
    os.sched_setaffinity(0, {CPU})
    print(
        f"1920x1080 25 fps H.264 ({bench_clips.PRESET}, 6 Mbit/s); Count={COUNT}, jpg, DeleteDuplicates; "
        f"pinned to CPU {CPU}; CPU seconds = user+sys of this process and its ffmpeg/ffprobe children; "
        f"picker: median of {RUNS} runs after a warm-up, probe included; thumbnail: one run",
        flush=True,
    )
    rows: list[Row] = []
    with bench_clips.RangeServer(REPO / ".mediaflow") as server, tempfile.TemporaryDirectory() as tmp:
        s3 = boto3.client(
            "s3", endpoint_url=server.endpoint, region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )  # fmt: skip
        for (m, g), path in clips.items():
            url = s3.generate_presigned_url(
                "get_object", Params={"Bucket": BUCKET, "Key": path.name}, ExpiresIn=3600
            )
            thumbnail = m == 1 or not args.no_long_thumbnail
            row = bench_clip(url, path, m, g, Path(tmp), thumbnail)
            rows.append(row)
            _print(row)
    return _verdict(rows)


def _print(row: Row) -> None:
    r = row.result
    versus = row.versus()
    thumb = (
        "thumbnail not run"
        if versus is None
        else f"thumbnail {row.thumb_cpu:7.2f} s CPU -> {versus:5.1f}x cheaper"
    )
    picker = (
        f"picker {row.pick_cpu:5.2f} s CPU ({row.pick_wall:5.2f} s wall) -> {row.realtime():6.1f}x realtime"
    )
    print(
        f"{row.name}: {row.keyframes:4d} keyframes | {picker} | {thumb} | {r.candidates} candidates"
        f" ({r.keyframes} keyframes), covers at {[c.timestamp_s for c in r.covers]}, fallback={r.fallback}",
        flush=True,
    )


def _verdict(rows: list[Row]) -> int:
    missed = []
    for row in rows:
        target = REALTIME_TARGET[row.minutes]
        if row.realtime() < target:
            missed.append(f"{row.name}: {row.realtime():.0f}x realtime < {target:.0f}x")
        versus = row.versus()
        if versus is not None and versus < THUMBNAIL_TARGET:
            missed.append(f"{row.name}: {versus:.1f}x cheaper than thumbnail < {THUMBNAIL_TARGET:.0f}x")
        if row.result.fallback:
            missed.append(f"{row.name}: fell back to rejected frames")
    if missed:
        print("VERDICT: MISSED\n  " + "\n  ".join(missed))
        return 1
    print("VERDICT: every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
