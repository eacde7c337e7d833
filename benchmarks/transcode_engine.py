"""Wall time of ``engine.encode`` against bare ffmpeg running the same argv (``build_command``).

Both encode the same 10 s 1280x720 25 fps clip (testsrc2 + a sine, H.264/AAC) into the same
renditions; the figures are the median of ``TRANSCODE_BENCH_RUNS`` (default 3) runs each. The
difference is the engine's own cost: planning, progress/cancel polling, ffprobe of every output,
the master playlist. Renditions: an HLS ladder 720p/480p/360p (2 s segments) plus one MP4 360p.

    .venv/bin/python benchmarks/transcode_engine.py
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
LAYER_BIN = REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"
if "MEDIAFLOW_BIN_DIR" not in os.environ and LAYER_BIN.is_dir():
    os.environ["MEDIAFLOW_BIN_DIR"] = str(LAYER_BIN)

from mediaflow.media import media_env, probe  # noqa: E402 - needs the repo on sys.path
from mediaflow.transcode.engine import build_command, encode  # noqa: E402
from mediaflow.transcode.spec import RenditionSpec, VideoSpec  # noqa: E402
from tests.support import clips  # noqa: E402

RUNS = int(os.environ.get("TRANSCODE_BENCH_RUNS", "3"))
RENDITIONS = [
    RenditionSpec(
        template_id=1,
        output_name="hls720",
        pack_type="HLS",
        hls_interval=2,
        video=VideoSpec(height=720, bitrate_kbps=2500),
    ),
    RenditionSpec(
        template_id=2,
        output_name="hls480",
        pack_type="HLS",
        hls_interval=2,
        video=VideoSpec(height=480, bitrate_kbps=1200),
    ),
    RenditionSpec(
        template_id=3,
        output_name="hls360",
        pack_type="HLS",
        hls_interval=2,
        video=VideoSpec(height=360, bitrate_kbps=700),
    ),
    RenditionSpec(template_id=4, output_name="mp4360", pack_type="MP4", video=VideoSpec(height=360)),
]


def _fresh(root: Path, name: str) -> Path:
    path = root / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="mf-bench-"))
    try:
        source = clips.make_clip(root, seconds=10, width=1280, height=720, fps=25)
        info = probe(str(source), timeout_s=30)
        argv = build_command(str(source), RENDITIONS, root, source_info=info)
        engine_times, bare_times = [], []
        for _ in range(RUNS):
            workdir = _fresh(root, "bare")
            started = time.perf_counter()
            subprocess.run(
                argv, cwd=workdir, check=True, env=media_env(), stdin=subprocess.DEVNULL, capture_output=True
            )
            bare_times.append(time.perf_counter() - started)
            workdir = _fresh(root, "engine")
            started = time.perf_counter()
            results = encode(str(source), RENDITIONS, workdir, source_info=info)
            engine_times.append(time.perf_counter() - started)
            assert all(r.status == "ok" for r in results), results
        engine, bare = statistics.median(engine_times), statistics.median(bare_times)
        print(f"cpus: {os.cpu_count()}  runs: {RUNS}  source: 10 s 1280x720 25 fps")
        print(f"renditions: {', '.join(f'{r.output_name} ({r.pack_type})' for r in RENDITIONS)}")
        print(f"bare ffmpeg (build_command argv): {bare:.3f} s  {[round(t, 3) for t in bare_times]}")
        print(f"engine.encode:                    {engine:.3f} s  {[round(t, 3) for t in engine_times]}")
        print(f"ratio engine/bare: {engine / bare:.3f}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
