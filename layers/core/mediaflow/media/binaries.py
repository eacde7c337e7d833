"""Locating the static ffmpeg/ffprobe and the environment they must run with.

Everything is resolved at call time, not import time: tests and the local stack set
``MEDIAFLOW_BIN_DIR`` after mediaflow has been imported.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mediaflow.errors import MediaflowError

BIN_DIR_ENV = "MEDIAFLOW_BIN_DIR"
LAYER_BIN_DIR = "/opt/bin"  # where a Lambda layer's bin/ ends up


class BinaryNotFoundError(MediaflowError):
    """ffmpeg/ffprobe is not installed where we look: a deployment error, not a media error."""

    def __init__(self, name: str, searched: list[str]) -> None:
        super().__init__(
            f"{name} not found (looked in {', '.join(searched)}); attach the FfmpegLayer or set "
            f"{BIN_DIR_ENV} to a directory holding {name}"
        )
        self.name = name
        self.searched = searched


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def find_binary(name: str) -> str:
    """Absolute path of ``name``: $MEDIAFLOW_BIN_DIR, then /opt/bin, then $PATH."""
    searched: list[str] = []
    for directory in (os.environ.get(BIN_DIR_ENV, ""), LAYER_BIN_DIR):
        if not directory:
            continue
        candidate = Path(directory) / name
        searched.append(str(directory))
        if _is_executable(candidate):
            return str(candidate.absolute())
    searched.append("PATH")
    found = shutil.which(name)
    if found:
        return os.path.abspath(found)
    raise BinaryNotFoundError(name, searched)


def ffmpeg_path() -> str:
    return find_binary("ffmpeg")


def ffprobe_path() -> str:
    return find_binary("ffprobe")


def media_env() -> dict[str, str]:
    """Environment for ffmpeg/ffprobe child processes.

    Built from scratch rather than copied: the children never see AWS credentials, proxies or
    anything a caller could have put in the environment. ``GCONV_PATH`` must be set or the static
    build segfaults while reading MPEG-TS (glibc iconv tries to dlopen gconv modules).
    """
    return {
        "GCONV_PATH": "/dev/null",
        "PATH": "/usr/bin:/bin",
        "LC_ALL": "C",  # stable number formatting in logs and -progress output
    }


FONT_NAME = "DejaVuSans.ttf"  # the layer's fonts/ (DejaVu fonts licence: free to redistribute)


def font_path() -> str:
    """The bundled text-watermark font: ``fonts/`` beside the layer's ``bin/``."""
    path = Path(ffmpeg_path()).parent.parent / "fonts" / FONT_NAME
    if not path.is_file():
        raise BinaryNotFoundError(f"fonts/{FONT_NAME}", [str(path.parent)])
    return str(path)
