"""Integration fixtures: one moto server per test process, holding the template's resources."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mediaflow import aws, cursors, idempotency, settings
from tests.support.aws import MotoStack, environment, moto_stack

REPO = Path(__file__).resolve().parents[2]
FFMPEG_BIN = REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"


@pytest.fixture(scope="session")
def stack() -> Iterator[MotoStack]:
    with moto_stack() as running:
        yield running


@pytest.fixture
def core_env(stack: MotoStack) -> Iterator[MotoStack]:
    """The product's environment (as the template gives it to functions), pointed at moto."""
    values = dict(stack.env)
    if "MEDIAFLOW_BIN_DIR" not in os.environ and FFMPEG_BIN.is_dir():
        values["MEDIAFLOW_BIN_DIR"] = str(FFMPEG_BIN)
    with environment(values):
        settings.reset_settings()
        aws.reset_clients()
        cursors.reset()
        idempotency.persistence.cache_clear()
        yield stack
    settings.reset_settings()
    aws.reset_clients()
    idempotency.persistence.cache_clear()


@pytest.fixture(scope="session")
def clip_dir(ffmpeg_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("clips")
