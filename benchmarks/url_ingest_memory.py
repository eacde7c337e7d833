"""URL ingest memory benchmark: stream a multi-GB source through the fetcher, report peak RSS.

Target: the sink holds exactly the source's bytes (checked by the sink itself: its own byte count
and a CRC-32 per part, never the fetcher's count) and the fetcher's peak RSS stays under 256 MB
whatever the source size (the README: a 3 GiB source peaked at 140 MB). Exit 1 on a miss.

    .venv/bin/python benchmarks/url_ingest_memory.py            # 3 GiB into a discarding S3
    .venv/bin/python benchmarks/url_ingest_memory.py --gib 0.5 --sink moto   # into a moto server

The source is generated on the fly from a repeating pattern (no file on disk) by an HTTP server
on 127.0.0.1 in this process. The fetcher (``mediaflow.ingest.fetcher.Fetch``, the worker's code,
with the worker's default part size) runs in a child process, so the peak RSS it reports is the
fetcher's alone: the source server and the S3 endpoint live elsewhere. The default sink is a
minimal S3 endpoint that answers the multipart calls, counts and checksums every part and discards
the bytes (botocore still signs, checksums and sends every part over HTTP); ``--sink moto`` uses a
moto server instead, which keeps the object in memory and concatenates it on completion (so keep
that run to a few hundred MiB); the object is then read back and compared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time
import uuid
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.common import load_line, verdict  # noqa: E402 - needs the repo on sys.path

BUCKET = "mediaflow-bench"
KEY = "uploads/bench/source.mp4"
PATTERN = bytes(range(256)) * 4096  # 1 MiB
MIB = len(PATTERN)


def block(index: int) -> bytes:
    """MiB number ``index`` of the source: the pattern stamped with its own index, so a part sent
    twice, dropped or out of place changes the checksum (a bare repeating pattern would not)."""
    return index.to_bytes(8, "big") + PATTERN[8:]


TARGET_MB = 256  # memory must not grow with the source: the README's 3 GiB peaked at 140 MB


def _serve(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def source_server(size: int) -> tuple[ThreadingHTTPServer, list[int]]:
    """The source, and a list that gets the bytes each response actually wrote."""
    sent: list[int] = []

    class Source(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            left, index = size, 0
            try:
                while left > 0:
                    n = min(left, MIB)
                    self.wfile.write(block(index)[:n])
                    left, index = left - n, index + 1
            except OSError:
                pass
            sent.append(size - left)

        def log_message(self, format: str, *args: object) -> None:
            return

    return _serve(Source), sent


@dataclass
class Received:
    """What the null sink was sent: each part's size and CRC-32 (a re-sent part replaces the
    earlier one, as in S3) and the part list of the completed upload."""

    parts: dict[int, tuple[int, int]] = field(default_factory=dict)  # part number -> (bytes, crc32)
    completed: list[int] | None = None  # part numbers named by CompleteMultipartUpload
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, size: int) -> tuple[int, str]:
        """(bytes stored, '' or what is wrong) against ``size`` bytes of the source's pattern."""
        if self.completed is None:
            return 0, "no object was completed"
        stored, offset = 0, 0
        for number in self.completed:
            if number not in self.parts:
                return stored, f"part {number} was never received"
            length, crc = self.parts[number]
            if crc != pattern_crc(offset, length):
                return stored, f"part {number} differs from the source"
            stored, offset = stored + length, offset + length
        return stored, "" if stored == size else f"{stored} bytes stored, the source sent {size}"


def pattern_crc(offset: int, length: int) -> int:
    """CRC-32 of the source's bytes [offset, offset + length)."""
    crc = 0
    while length > 0:
        start = offset % MIB
        take = min(length, MIB - start)
        crc = zlib.crc32(memoryview(block(offset // MIB))[start : start + take], crc)
        offset, length = offset + take, length - take
    return crc


def null_s3(received: Received) -> ThreadingHTTPServer:
    """Just enough S3 for PutObject and a multipart upload; bodies are counted, checksummed and
    dropped (``received``), so what was stored is known without keeping it."""

    class S3(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _drain(self) -> tuple[int, int, bytes]:
            """(bytes, crc32, the first 64 KiB) of the request body."""
            left = total = int(self.headers.get("Content-Length") or 0)
            crc, head = 0, b""
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 20))
                if not chunk:
                    break
                crc = zlib.crc32(chunk, crc)
                head = head or chunk[: 1 << 16]
                left -= len(chunk)
            return total - left, crc, head

        def _query(self) -> dict[str, list[str]]:
            return parse_qs(urlsplit(self.path).query, keep_blank_values=True)

        def _reply(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self) -> None:
            size, crc, _ = self._drain()
            query = self._query()
            number = int(query["partNumber"][0]) if "partNumber" in query else 1
            with received.lock:
                received.parts[number] = (size, crc)
                if "partNumber" not in query:  # a single PutObject is the whole object
                    received.completed = [1]
            self._reply(200, headers={"ETag": f'"{uuid.uuid4().hex}"', "x-amz-version-id": "v1"})

        def do_POST(self) -> None:
            _, _, body = self._drain()
            if "uploads" in self._query():
                upload_id = f"<UploadId>{uuid.uuid4().hex}</UploadId>"
                xml = f"<InitiateMultipartUploadResult>{upload_id}</InitiateMultipartUploadResult>"
            else:
                numbers = [int(n) for n in re.findall(rb"<PartNumber>(\d+)</PartNumber>", body)]
                with received.lock:
                    received.completed = numbers
                xml = '<CompleteMultipartUploadResult><ETag>"done"</ETag></CompleteMultipartUploadResult>'
            self._reply(200, xml.encode(), {"x-amz-version-id": "v1", "Content-Type": "application/xml"})

        def do_DELETE(self) -> None:
            self._reply(204)

        def log_message(self, format: str, *args: object) -> None:
            return

    return _serve(S3)


def moto_object(endpoint: str, size: int) -> tuple[int, str]:
    """(bytes stored, '' or what is wrong): the object as moto holds it, read back and compared."""
    import boto3

    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    body = s3.get_object(Bucket=BUCKET, Key=KEY)["Body"]
    stored, crc = 0, 0
    for chunk in iter(lambda: body.read(1 << 20), b""):
        stored, crc = stored + len(chunk), zlib.crc32(chunk, crc)
    if stored != size:
        return stored, f"{stored} bytes stored, the source sent {size}"
    return stored, "" if crc == pattern_crc(0, size) else "the stored object differs from the source"


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
        key=KEY,
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

    print(load_line())
    size = int(args.gib * (1 << 30))
    source, sent = source_server(size)
    url = f"http://127.0.0.1:{source.server_address[1]}/bench.mp4"
    moto: subprocess.Popen[bytes] | None = None
    received = Received()
    if args.sink == "moto":
        moto, endpoint = moto_server()
    else:
        sink = null_s3(received)
        endpoint = f"http://127.0.0.1:{sink.server_address[1]}"
    try:
        command = [sys.executable, __file__, "--child", url, endpoint, str(20 << 30), args.sink]
        out = subprocess.run(command, capture_output=True, text=True, check=False, timeout=3600)
        if out.returncode == 0:
            stored, wrong = moto_object(endpoint, size) if moto is not None else received.check(size)
    finally:
        if moto is not None:
            moto.terminate()
            moto.wait(timeout=10)
    if out.returncode != 0:
        print(out.stdout, out.stderr, sep="\n", file=sys.stderr)
        return verdict(False, "the fetcher failed")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    peak_mb = result["peak_rss_kib"] / 1024
    print(f"source             {size / (1 << 30):.2f} GiB generated on the fly, {sum(sent)} bytes sent")
    print(
        f"sink ({args.sink:4s})        {stored} bytes stored, {wrong or 'identical to the source (CRC-32)'}"
    )
    print(f"part size          {result['part_size'] >> 20} MiB (multipart, one part in flight)")
    print(f"time               {result['seconds']:.1f} s wall, {result['cpu_seconds']:.1f} s CPU")
    print(f"throughput         {result['bytes'] / result['seconds'] / (1 << 20):.0f} MiB/s")
    print(f"RSS after imports  {result['baseline_rss_kib'] / 1024:.0f} MB")
    print(f"peak RSS           {peak_mb:.0f} MB")
    return verdict(
        not wrong and peak_mb < TARGET_MB,
        f"the sink holds the {size} source bytes unchanged: {wrong or 'yes'}; "
        f"fetcher peak RSS {peak_mb:.0f} MB (target < {TARGET_MB} MB)",
    )


if __name__ == "__main__":
    sys.exit(main())
