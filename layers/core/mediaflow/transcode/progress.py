"""Run one ffmpeg process: progress, cancellation, deadline, bounded stderr.

ffmpeg is started with ``-progress pipe:1 -nostats`` in its own process group (so a kill also
takes any child it might start), stdin closed and the minimal ``media_env()`` environment. A
reader thread parses ``out_time_us=``/``progress=end`` from stdout, another keeps the last
``STDERR_LIMIT`` bytes of stderr. The calling thread waits in short steps and is the only one
calling back: ``on_progress`` (percent of ``duration_s``, increasing, at most once per
``PROGRESS_EVERY_S``) and ``should_stop`` (about once per ``STOP_POLL_S``).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from mediaflow.media.binaries import media_env

PROGRESS_EVERY_S = 1.0
STOP_POLL_S = 1.0
WAIT_STEP_S = 0.1
STDERR_LIMIT = 16 * 1024


@dataclass(frozen=True)
class RunOutcome:
    returncode: int | None  # None: killed by us (canceled or timed out)
    stderr: str  # the last STDERR_LIMIT bytes, decoded
    canceled: bool = False
    timed_out: bool = False
    elapsed_s: float = 0.0


class _Reader:
    def __init__(self) -> None:
        self.out_time_s = 0.0
        self.ended = False
        self.stderr = bytearray()

    def progress(self, stream: IO[bytes]) -> None:
        for raw in stream:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key == "out_time_us" and value.lstrip("-").isdigit():
                self.out_time_s = max(self.out_time_s, int(value) / 1e6)
            elif key == "progress" and value == "end":
                self.ended = True

    def errors(self, stream: IO[bytes]) -> None:
        while chunk := stream.read(4096):
            self.stderr += chunk
            if len(self.stderr) > STDERR_LIMIT:
                del self.stderr[: len(self.stderr) - STDERR_LIMIT]


def _kill(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the group id is ffmpeg's pid (start_new_session)
    proc.wait()


def run_ffmpeg(
    argv: list[str],
    cwd: Path,
    *,
    duration_s: float,
    on_progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    deadline_s: float | None = None,
) -> RunOutcome:
    """Run ``argv`` in ``cwd`` to its end, or until ``should_stop()`` or ``deadline_s`` (seconds)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=media_env(),
        start_new_session=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    reader = _Reader()
    threads = [
        threading.Thread(target=reader.progress, args=(proc.stdout,), daemon=True),
        threading.Thread(target=reader.errors, args=(proc.stderr,), daemon=True),
    ]
    for thread in threads:
        thread.start()
    last_report, reported, last_poll = 0.0, -1.0, started
    canceled = timed_out = False
    try:
        while proc.poll() is None:
            try:
                proc.wait(WAIT_STEP_S)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            if on_progress is not None and now - last_report >= PROGRESS_EVERY_S and duration_s > 0:
                percent = min(99.9, 100.0 * reader.out_time_s / duration_s)
                if percent > reported:
                    on_progress(percent)
                    reported, last_report = percent, now
            if should_stop is not None and now - last_poll >= STOP_POLL_S:
                last_poll = now
                if should_stop():
                    canceled = True
                    break
            if deadline_s is not None and now - started > deadline_s:
                timed_out = True
                break
    finally:
        if proc.poll() is None:
            _kill(proc)
        for thread in threads:
            thread.join(5)
        proc.stdout.close()
        proc.stderr.close()
    killed = canceled or timed_out
    return RunOutcome(
        returncode=None if killed else proc.returncode,
        stderr=bytes(reader.stderr).decode("utf-8", "replace"),
        canceled=canceled,
        timed_out=timed_out,
        elapsed_s=time.monotonic() - started,
    )
