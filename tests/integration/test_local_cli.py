"""``python -m local`` as a developer runs it: ready line, env file, demo project, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = Path(__file__).parent / "fixtures" / "local_template"


def _wait_for_ready(proc: subprocess.Popen[str], timeout: float = 30.0) -> list[str]:
    """stdout lines up to the ready line (read in a thread: readline blocks, select misses buffers)."""
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("Mediaflow local stack ready"):
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout):
        proc.kill()
        raise AssertionError(f"no ready line; stdout so far: {lines}")
    return lines


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_ready_writes_env_file_and_stops_cleanly(tmp_path: Path, stop_signal: int) -> None:
    env_file = tmp_path / "local.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local",
            "--port",
            "0",
            "--template",
            str(FIXTURE / "template.yaml"),
            "--demo-project",
            "demo",
            "--env-file",
            str(env_file),
            "--allow-loopback-callbacks",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        printed = _wait_for_ready(proc)
        values = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        shared = {"MEDIAFLOW_TABLE", "MEDIAFLOW_BUCKET", "MEDIAFLOW_ACCOUNT_ID", "MEDIAFLOW_STACK_NAME"}
        assert set(values) - shared == {
            "MEDIAFLOW_ENDPOINT",
            "MEDIAFLOW_PROJECT_ID",
            "MEDIAFLOW_TOKEN",
            "AWS_ENDPOINT_URL",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_DEFAULT_REGION",
            "MEDIAFLOW_REGION",
            "MEDIAFLOW_CI_ENDPOINT",
            "MEDIAFLOW_CONSOLE_URL",  # the template's bucket, topic and table join them when it has them
        }
        assert (values["MEDIAFLOW_REGION"], values["MEDIAFLOW_CI_ENDPOINT"]) == (
            "us-east-1",
            "ci.mediaflow.test",
        )
        assert f"MEDIAFLOW_TOKEN={values['MEDIAFLOW_TOKEN']}" in printed
        assert (values["MEDIAFLOW_PROJECT_ID"], values["MEDIAFLOW_TOKEN"]) == ("proj-demo", "good")
        assert env_file.stat().st_mode & 0o077 == 0  # it holds a token
        request = urllib.request.Request(
            values["MEDIAFLOW_ENDPOINT"] + "/v1/p1/echo/x",
            headers={"X-Auth-Token": values["MEDIAFLOW_TOKEN"]},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            echoed = json.loads(answer.read())
        assert echoed["env"]["MEDIAFLOW_ALLOW_LOOPBACK"] == "true"
        assert echoed["env"]["AWS_ENDPOINT_URL"] == values["AWS_ENDPOINT_URL"]
        proc.send_signal(stop_signal)
        assert proc.wait(timeout=15) == 0
        with pytest.raises(ProcessLookupError):  # the function's worker went with the stack
            os.kill(echoed["pid"], 0)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
