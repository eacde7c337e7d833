"""1080p benchmark clips for the smart-cover benchmark, and an S3 stand-in that serves them.

Clips (cached under ``.mediaflow/bench-clips/``, named by a hash of everything that shapes them):
one minute of eight 7.5 s shots of distinct looks (one fading through black), light temporal
grain so the encoder works as on camera footage, 1920x1080 at 25 fps, H.264 by x264 ``superfast``
(CABAC and the deblocking filter on, as every phone and web encoder has them: their decoding cost
is what the picker pays; ``ultrafast`` turns both off and decodes ~3x cheaper, which would flatter
it) at 6 Mbit/s (maxrate 8M), scene-cut keyframes on. The minute is generated once and encoded
once per GOP in the same ffmpeg run (``split``); the 10-minute clips are that minute ten times,
joined by stream copy (concat demuxer), so they cost seconds, not an encode.

S3 stand-in (``RangeServer``): a small HTTP server in its own process that serves the clips with
byte ranges at ``/<bucket>/<key>`` and ignores the query (a presigned URL's signature). moto would
do as S3 does, but moto 5.2 reads the whole object for every range request (0.3 s per request on
a 410 MB object, measured), so reading a 10-minute clip the way ffmpeg does would take minutes of
moto's time. Like S3, its CPU is not the picker's and is not counted.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SIZE = "1920x1080"
FPS = 25
SHOT_S = 7.5
BITRATE = ("-b:v", "6M", "-maxrate", "8M", "-bufsize", "12M")
PRESET = "superfast"
SHOTS = (
    f"testsrc2=s={SIZE}:r={FPS}:d={SHOT_S},fade=t=out:st={SHOT_S - 1}:d=1",
    f"gradients=s={SIZE}:r={FPS}:d={SHOT_S}:speed=0.02:c0=#c03010:c1=#1040a0:c2=#20a040:n=3,fade=t=in:d=1",
    f"life=s=960x540:r={FPS}:seed=1:mold=10:ratio=0.2:death_color=#203040:life_color=#e0c080,"
    f"scale={SIZE}:flags=neighbor,trim=duration={SHOT_S}",
    f"mandelbrot=s=960x540:r={FPS},scale={SIZE},trim=duration={SHOT_S}",
    f"sierpinski=s={SIZE}:r={FPS}:seed=2,trim=duration={SHOT_S}",
    f"cellauto=s={SIZE}:r={FPS}:rule=110,trim=duration={SHOT_S}",
    f"smptehdbars=s={SIZE}:r={FPS}:d={SHOT_S}",
    f"testsrc=s={SIZE}:r={FPS}:d={SHOT_S}",
)


def _key(*parts: object) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:10]


def make_minutes(directory: Path, gops: tuple[int, ...], ffmpeg: str, env: dict[str, str]) -> dict[int, Path]:
    """The one-minute clip at each GOP (frames), made in one ffmpeg run if any is missing."""
    paths = {g: directory / f"minute-g{g}-{_key(SHOTS, PRESET, BITRATE, g)}.mp4" for g in gops}
    missing = [g for g in gops if not paths[g].exists()]
    if not missing:
        return paths
    directory.mkdir(parents=True, exist_ok=True)
    print(f"making the 1080p minute at GOP {missing} once (a few minutes) ...", flush=True)
    args: list[str] = []
    for shot in SHOTS:
        args += ["-f", "lavfi", "-i", shot]
    inputs = "".join(f"[{i}]" for i in range(len(SHOTS)))
    labels = "".join(f"[g{g}]" for g in missing)
    grain = "format=yuv420p,noise=alls=6:allf=t"
    graph = f"{inputs}concat=n={len(SHOTS)}:v=1:a=0,{grain},split={len(missing)}{labels}"
    args += ["-filter_complex", graph]
    for g in missing:
        tmp = paths[g].with_name(f".{paths[g].stem}.tmp.mp4")
        args += ["-map", f"[g{g}]", "-c:v", "libx264", "-preset", PRESET, "-g", str(g), *BITRATE]
        args += ["-pix_fmt", "yuv420p", "-movflags", "+faststart", str(tmp)]
    subprocess.run(
        [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True, env=env
    )
    for g in missing:
        paths[g].with_name(f".{paths[g].stem}.tmp.mp4").replace(paths[g])
    return paths


def make_long(minute: Path, minutes: int, ffmpeg: str, env: dict[str, str]) -> Path:
    """``minutes`` copies of ``minute`` joined without re-encoding."""
    if minutes == 1:
        return minute
    path = minute.with_name(f"{minute.stem}-x{minutes}.mp4")
    if path.exists():
        return path
    listing = minute.with_name(f".{minute.stem}-x{minutes}.txt")
    listing.write_text("".join(f"file '{minute.name}'\n" for _ in range(minutes)))
    tmp = path.with_name(f".{path.stem}.tmp.mp4")
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0"]
    cmd += ["-i", str(listing), "-c", "copy", "-movflags", "+faststart", str(tmp)]
    subprocess.run(cmd, check=True, env=env)
    listing.unlink()
    tmp.replace(path)
    return path


class _Handler(BaseHTTPRequestHandler):
    root: Path

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _serve(self, *, body: bool) -> None:
        path = self.root / self.path.split("?", 1)[0].lstrip("/")
        if ".." in self.path or not path.is_file():
            self.send_error(404)
            return
        size = path.stat().st_size
        first, last = 0, size - 1
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if match:
            first, last = int(match[1]), min(size - 1, int(match[2]) if match[2] else size - 1)
            if first >= size:
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if body:
            with path.open("rb") as f, contextlib.suppress(BrokenPipeError, ConnectionResetError):
                os.sendfile(self.wfile.fileno(), f.fileno(), first, last - first + 1)  # may hang up early

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(root: str, port: int) -> None:
    handler = type("Handler", (_Handler,), {"root": Path(root)})
    server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    server.daemon_threads = True
    server.serve_forever()


class RangeServer:
    """``serve`` in a child process on a free loopback port, for the duration of a with-block."""

    def __init__(self, root: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.root = root
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RangeServer:
        code = f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import bench_clips; "
        code += f"bench_clips.serve({str(self.root)!r}, {self.port})"
        self.proc = subprocess.Popen([sys.executable, "-c", code])
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise RuntimeError("the range server did not start")

    def __exit__(self, *_exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"
