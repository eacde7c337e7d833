"""Cold import time of each API handler against a bare ``import boto3`` + client.

Each figure is the median of several fresh interpreters, measured in one run so the ratio is
comparable. Two handler figures are printed:

- ``import``: importing the handler module (what Lambda's init phase does);
- ``import+client``: the same plus creating the DynamoDB client on first use, i.e. the real
  cold-start work before the first request is answered.

Target: import ratio <= 1.3x the bare boto3 baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from local.openapi import api_function_dirs  # noqa: E402 - needs the repo on sys.path

RUNS = int(os.environ.get("COLD_IMPORT_RUNS", "7"))
ENV = {
    "PATH": os.environ.get("PATH", ""),
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "mediaflow",
    "POWERTOOLS_METRICS_NAMESPACE": "Mediaflow",
    "MEDIAFLOW_TABLE": "bench",
    "PYTHONDONTWRITEBYTECODE": "0",
}

BASELINE = "import boto3; boto3.client('dynamodb')"
TIMER = "import time, sys; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"


def _time(code: str, path: list[str]) -> float:
    env = {**ENV, "PYTHONPATH": os.pathsep.join(path)}
    out = subprocess.run(
        [sys.executable, "-c", TIMER.format(code=code)], env=env, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip().splitlines()[-1])


def median_ms(code: str, path: list[str]) -> float:
    _time(code, path)  # warm the OS page cache and .pyc files; Lambda's init has both
    return statistics.median(_time(code, path) for _ in range(RUNS)) * 1000


def main() -> int:
    core = str(REPO / "layers" / "core")
    base = median_ms(BASELINE, [core])
    print(f"baseline  import boto3 + client          {base:7.1f} ms")
    worst = 0.0
    for function_dir in api_function_dirs():
        path = [str(function_dir), core]
        imp = median_ms("import app", path)
        full = median_ms("import app; from mediaflow import aws; aws.client('dynamodb')", path)
        worst = max(worst, imp / base)
        print(
            f"{function_dir.name:24s} import {imp:7.1f} ms ({imp / base:4.2f}x)   "
            f"import+client {full:7.1f} ms ({full / base:4.2f}x)"
        )
    print(f"worst import ratio: {worst:.2f}x (target <= 1.30x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
