"""URL ingest memory benchmark: stream a multi-GB source through the fetcher, report peak RSS.

    .venv/bin/python benchmarks/url_ingest_memory.py            # 3 GiB into a discarding S3
    .venv/bin/python benchmarks/url_ingest_memory.py --gib 0.5 --sink moto   # into a moto server

The source is generated on the fly from a repeating pattern (no file on disk) by an HTTP server
on 127.0.0.1 in this process. The fetcher (``mediaflow.ingest.fetcher.Fetch``, the worker's code,
with the worker's default part size) runs in a child process, so the peak RSS it reports is the
fetcher's alone: the source server and the S3 endpoint live elsewhere. The default sink is a
minimal S3 endpoint that answers the multipart calls and discards the bytes (botocore still signs,
checksums and sends every part over HTTP); ``--sink moto`` uses a moto server instead, which keeps
the object in memory and concatenates it on completion (so keep that run to a few hundred MiB).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BUCKET = "mediaflow-bench"
PATTERN = bytes(range(256)) * 4096  # 1 MiB
TARGET_MB = 256


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def source_server(size: int) -> ThreadingHTTPServer:
    class Source(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            view, left = memoryview(PATTERN), size
            try:
                while left > 0:
                    n = min(left, len(view))
                    self.wfile.write(view[:n])
                    left -= n
            except OSError:
                return

        def log_message(self, format: str, *args: object) -> None:
            return

    return _serve(Source)


def null_s3() -> ThreadingHTTPServer:
    """Just enough S3 for PutObject and a multipart upload; bodies are read and dropped."""

    class S3(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _drain(self) -> int:
            left = total = int(self.headers.get("Content-Length") or 0)
            while left > 0:
                left -= len(self.rfile.read(min(left, 1 << 20)))
            return total

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            self._drain()
            self._reply(200, headers={"ETag": f'"{uuid.uuid4().hex}"', "x-amz-version-id": "v1"})

        def do_POST(self) -> None:
            self._drain()
            if "uploads" in self.path.split("?", 1)[-1].split("&"):
                upload_id = f"<UploadId>{uuid.uuid4().hex}</UploadId>"
                xml = f"<InitiateMultipartUploadResult>{upload_id}</InitiateMultipartUploadResult>"
            else:
                xml = '<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>'
            self._reply(200, xml.encode(), {"x-amz-version-id": "v1", "Content-Type": "application/xml"})

        def do_DELETE(self) -> None:
            self._reply(204)

        def log_message(self, format: str, *args: object) -> None:
            return

    return _serve(S3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def moto_server() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, endpoint
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto server did not start")


def child(url: str, endpoint: str, max_bytes: int) -> None:
    """Runs in the child process: the fetcher alone, then its numbers as one JSON line."""
    sys.path.insert(0, str(REPO / "layers" / "core"))
    os.environ.update(
        AWS_ENDPOINT_URL=endpoint,
        AWS_ACCESS_KEY_ID="bench",
        AWS_SECRET_ACCESS_KEY="bench",
        AWS_DEFAULT_REGION="us-east-1",
        MEDIAFLOW_BUCKET=BUCKET,
        POWERTOOLS_LOG_LEVEL="WARNING",
    )
    from mediaflow import aws
    from mediaflow.ingest.fetcher import Fetch
    from mediaflow.net.transport import Deadline
    from mediaflow.settings import get_settings

    s3 = aws.client("s3")
    if "moto" in sys.argv:
        s3.create_bucket(Bucket=BUCKET)
    part_size = get_settings().ingest.part_size_for(max_bytes)
    baseline_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.monotonic(), time.process_time()
    fetch = Fetch(
        url=url,
        bucket=BUCKET,
        key="uploads/bench/source.mp4",
        max_bytes=max_bytes,
        part_size=part_size,
        deadline=Deadline(3600),
        on_first_write=lambda upload_id, size: None,
        allow_loopback=True,  # the benchmark's source is on 127.0.0.1
    )
    stored = fetch.run()
    result = {
        "bytes": stored.size,
        "seconds": time.monotonic() - started,
        "cpu_seconds": time.process_time() - cpu,
        "part_size": part_size,
        "baseline_rss_kib": baseline_kib,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(result))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/url_ingest_memory.py")
    parser.add_argument("--gib", type=float, default=3.0, help="source size in GiB (default 3)")
    parser.add_argument("--sink", choices=["null", "moto"], default="null")
    parser.add_argument("--child", nargs=3, metavar=("URL", "ENDPOINT", "MAX_BYTES"), help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0

    size = int(args.gib * (1 << 30))
    source = source_server(size)
    url = f"http://127.0.0.1:{source.server_address[1]}/bench.mp4"
    moto: subprocess.Popen[bytes] | None = None
    if args.sink == "moto":
        moto, endpoint = moto_server()
    else:
        sink = null_s3()
        endpoint = f"http://127.0.0.1:{sink.server_address[1]}"
    try:
        command = [sys.executable, __file__, "--child", url, endpoint, str(20 << 30), args.sink]
        out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=10)
    if out.returncode != 0:
        print(out.stdout, out.stderr, sep="\n", file=sys.stderr)
        return 1
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    peak_mb = result["peak_rss_kib"] / 1024
    print(f"source             {result['bytes'] / (1 << 30):.2f} GiB generated on the fly, sink: {args.sink}")
    print(f"part size          {result['part_size'] >> 20} MiB (multipart, one part in flight)")
    print(f"time               {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU")
    print(f"throughput         {result['bytes'] / result['seconds'] / (1 << 20):.0f} MiB/s")
    print(f"RSS after imports  {result['baseline_rss_kib'] / 1024:.0f} MB")
    print(f"peak RSS           {peak_mb:.0f} MB (target: well under {TARGET_MB} MB)")
    ok = result["bytes"] == size and peak_mb < TARGET_MB
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
