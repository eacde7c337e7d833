"""Shared by every test layer: where the real ffmpeg/ffprobe come from.

`make test` builds the FfmpegLayer into .mediaflow/layers/FfmpegLayer first (as `sam build`
would); when pytest is run directly, the ``ffmpeg_bin_dir`` fixture builds it on first use.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LAYER_BUILD_DIR = REPO / ".mediaflow" / "layers" / "FfmpegLayer"


def pytest_configure(config: pytest.Config) -> None:
    if "MEDIAFLOW_BIN_DIR" not in os.environ and (LAYER_BUILD_DIR / "bin" / "ffprobe").exists():
        os.environ["MEDIAFLOW_BIN_DIR"] = str(LAYER_BUILD_DIR / "bin")
    os.environ.setdefault("GCONV_PATH", "/dev/null")  # the static ffmpeg needs it to read MPEG-TS
    # As in Lambda (template Globals), before any module builds its Metrics: Powertools reads the
    # namespace once, and a metric that reaches 100 values flushes (and fails) without one.
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "mediaflow")
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Mediaflow")


@pytest.fixture(scope="session")
def ffmpeg_bin_dir() -> Path:
    configured = os.environ.get("MEDIAFLOW_BIN_DIR")
    if configured:
        return Path(configured)
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(REPO / "layers" / "ffmpeg"),
            "build-FfmpegLayer",
            f"ARTIFACTS_DIR={LAYER_BUILD_DIR}",
            f"PYTHON={sys.executable}",
        ],
        check=True,
        timeout=900,
    )
    os.environ["MEDIAFLOW_BIN_DIR"] = str(LAYER_BUILD_DIR / "bin")
    return LAYER_BUILD_DIR / "bin"
