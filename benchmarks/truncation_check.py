"""What the probe's truncation check costs through a presigned-style URL, against the alternative.

For a 60 s 1280x720 clip in MP4 (faststart), MKV and MPEG-TS, served with byte ranges on loopback
(as S3 serves a presigned GET), this measures in one run:
- the probe itself (ffprobe through the relay): time and bytes read;
- the truncation check (mediaflow.media.integrity): time, range requests and bytes read;
- the alternative, "decode the last second": ffprobe reading the packets of the last second
  through the relay (``-read_intervals``), time and bytes.
Targets: the check reads at most 16 KiB and adds at most 25 % to the probe's time.
Prints figures and a verdict; exits 1 on a miss. Run: .venv/bin/python benchmarks/truncation_check.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
os.environ.setdefault("GCONV_PATH", "/dev/null")
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))

from mediaflow.media import integrity, probe, relay  # noqa: E402  (probe: the function)
from mediaflow.media.binaries import ffprobe_path, media_env  # noqa: E402
from tests.integration.conftest_media import _serve  # noqa: E402
from tests.support.clips import make_clip  # noqa: E402

MAX_CHECK_BYTES = 16 * 1024
MAX_TIME_SHARE = 0.25
RUNS = 3


def tail_decode(url: str, duration: float) -> None:
    with relay.serve(url, timeout_s=30) as local:
        subprocess.run(
            [
                *(ffprobe_path(), "-v", "error", "-protocol_whitelist", "http,tcp"),
                *("-read_intervals", f"{max(0.0, duration - 1):.3f}%", "-show_entries", "packet=pts_time"),
                *("-of", "csv", "-i", local),
            ],
            check=True,
            capture_output=True,
            env=media_env(),
            timeout=60,
        )


def main() -> int:
    misses = []
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        clips = {
            c: make_clip(directory, seconds=60, width=1280, height=720, container=c)
            for c in ("mp4", "mkv", "ts")
        }
        with _serve(directory) as server:
            for container, path in clips.items():
                url = server.url(path)
                size = path.stat().st_size
                probe_s, check_s, tail_s = [], [], []
                for _ in range(RUNS):
                    server.reset()
                    began = time.perf_counter()
                    info = probe(url, timeout_s=30)  # includes the check
                    probe_s.append(time.perf_counter() - began)
                    probed_bytes = server.bytes_sent.get(path.name, 0)
                    checker = integrity.checker_for(info.format_name)
                    assert checker is not None
                    server.reset()
                    began = time.perf_counter()
                    with integrity.open_source("url", url, 30) as source:
                        checker(source)
                        reads = source.reads
                    check_s.append(time.perf_counter() - began)
                    check_bytes = server.bytes_sent.get(path.name, 0)
                    server.reset()
                    began = time.perf_counter()
                    tail_decode(url, info.duration_s)
                    tail_s.append(time.perf_counter() - began)
                    tail_bytes = server.bytes_sent.get(path.name, 0)
                probe_t, check_t, tail_t = min(probe_s), min(check_s), min(tail_s)
                share = check_t / (probe_t - check_t)
                print(
                    f"{container:4} {size / 2**20:6.1f} MiB"
                    f" | probe {probe_t * 1000:6.0f} ms {probed_bytes / 1024:7.0f} KiB"
                    f" | check {check_t * 1000:5.1f} ms, {reads} reads, {check_bytes / 1024:5.1f} KiB"
                    f" ({share:.0%} of probe)"
                    f" | last-second decode {tail_t * 1000:6.0f} ms {tail_bytes / 1024:7.0f} KiB"
                )
                if check_bytes > MAX_CHECK_BYTES or share > MAX_TIME_SHARE:
                    misses.append(container)
    verdict = "MISSED for " + ", ".join(misses) if misses else "met"
    limits = f"check <= {MAX_CHECK_BYTES // 1024} KiB and <= {MAX_TIME_SHARE:.0%} of the probe time"
    print(f"target: {limits}: {verdict}")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
