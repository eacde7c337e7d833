"""Wall time of one transcoding task through the local stack against bare ffmpeg with the same
arguments on the same clip. Target: through the stack / bare <= 1.03 (exit 1 on a miss).

The stack path is everything a user waits for: HTTP create, the token through SQS, claim, probe
over the relay, encode from a presigned GET through the loopback relay, ffprobe of the output,
upload, the final state and the TranscodeComplete event (seen on a queue subscribed to it, so no
polling steals CPU from the encode). Bare ffmpeg gets the engine's exact argv
(``engine.build_command``) on the local file.

Where moto runs (``--moto``):

- ``process`` (default): moto in a process of its own, as in AWS, where S3, SQS and DynamoDB are
  not in any of the stack's processes and do not share a GIL with its gateway and pollers;
- ``in-process``: inside the stack's process, as ``make run`` and the e2e tests run it;
- ``both``: these two, one after the other, in one run of this script (twice as long);
- ``process-nice``: moto in its own session at nice 19, so that it only gets the CPU ffmpeg
  leaves (in AWS the services take none of the function's CPU). Only for an idle machine: at load
  20 on 2 cores moto starved and the project could not even be created within 60 s.

Unlike AWS, emulated services still share this machine's cores with ffmpeg, so the output also
says where the CPU went (``benchmarks/process_cpu.py``): ffmpeg and ffprobe in the worker, the
worker's Python (relay, heartbeat, boto3), moto, the stack process (gateway, pollers, this
script), the other functions; and where the wall time went, from the task's record (created,
claimed, ended) and the worker's own ``task phases`` log line (probe, encode, upload).

Bare ffmpeg starts in a session of its own, as the worker's ffmpeg does: with the kernel's
autogroup scheduling each session gets its own share of the CPUs, and a bare ffmpeg left in this
script's session looked much slower than it is on a loaded machine (``transcode_engine.py``).

Method: run 0 warms both sides and is not counted; then stack and bare runs alternate (stack
first, then bare first, ...) and the figure is the median of the per-pair ratios, since adjacent
runs see similar load. Wall times on a shared machine are load-sensitive; the CPU seconds much less.

    .venv/bin/python benchmarks/transcode_overhead.py                # ~3-5 min on 2 cores
    .venv/bin/python benchmarks/transcode_overhead.py --moto both    # ~6-10 min
    OVERHEAD_RUNS=5 OVERHEAD_CLIP_SECONDS=60 .venv/bin/python benchmarks/transcode_overhead.py
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))
os.environ.setdefault("GCONV_PATH", "/dev/null")

from benchmarks import process_cpu  # noqa: E402 - needs the repo on sys.path
from benchmarks.common import load_line, verdict  # noqa: E402
from local.moto_server import DUMMY_CREDENTIALS  # noqa: E402
from local.stack import LocalStack  # noqa: E402
from mediaflow.media.binaries import media_env  # noqa: E402
from mediaflow.media.probe import probe  # noqa: E402
from mediaflow.transcode.engine import build_command  # noqa: E402
from mediaflow.transcode.spec import RenditionSpec  # noqa: E402
from tests.support.clips import make_clip  # noqa: E402

TARGET = 1.03
RUNS = int(os.environ.get("OVERHEAD_RUNS", "3"))
SECONDS = int(os.environ.get("OVERHEAD_CLIP_SECONDS", "30"))
WORKER = "TranscodeWorkerFunction"
IDLE_S = 10.0  # how long the idle stack's own CPU use (pollers, moto) is measured
TEMPLATE: dict[str, Any] = {
    "template_name": "bench_720",
    "video": {"codec": 1, "bitrate": 2500, "profile": 3, "preset": 1, "height": 720, "width": 0},
    "audio": {"codec": 1, "sample_rate": 4, "bitrate": 128, "channels": 2},
    "common": {"pack_type": 4},
}
MOTO_MAIN = """
import sys, threading
sys.path.insert(0, sys.argv[1])
from local.moto_server import MotoServer
server = MotoServer(0)
server.start()
print(server.port, flush=True)
threading.Event().wait()
"""


class MotoProcess:
    """The local stack's moto (``local.moto_server``, S3 events with versionId) in its own process;
    stands in for ``LocalStack.moto``."""

    def __init__(self, nice: int = 0) -> None:
        self.port, self.nice = 0, nice
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", MOTO_MAIN, str(REPO)],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=bool(self.nice),  # its own autogroup, whose weight the nice sets
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        if self.nice:
            # With autogroup scheduling a process's nice only ranks it within its session's group;
            # the group's own nice (/proc/<pid>/autogroup) ranks it against ffmpeg's session.
            os.setpriority(os.PRIO_PROCESS, self.proc.pid, self.nice)
            with contextlib.suppress(OSError):
                Path(f"/proc/{self.proc.pid}/autogroup").write_text(str(self.nice))

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        region = "us-east-1"
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            **DUMMY_CREDENTIALS,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }


class PhaseLog(logging.Handler):
    """The worker's ``task phases`` log lines (probe_s, encode_s, upload_s) by task id."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.phases: dict[str, dict[str, float]] = {}

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        if "task phases" not in line:
            return
        try:
            doc = json.loads(line[line.index("{") :])
        except ValueError:
            return
        self.phases[str(doc.get("task_id"))] = {k: float(v) for k, v in doc.items() if k.endswith("_s")}


@dataclass
class Results:
    setup: str
    pairs: list[tuple[float, float]] = field(default_factory=list)  # (through the stack, bare) seconds
    steps: list[dict[str, float]] = field(default_factory=list)  # where the stack's wall time went
    cpu: list[dict[str, float]] = field(default_factory=list)  # CPU seconds by part, per stack run
    bare_cpu: list[float] = field(default_factory=list)
    idle: dict[str, float] = field(default_factory=dict)  # CPU seconds of the idle stack over IDLE_S

    @property
    def ratio(self) -> float:
        return statistics.median(stack / bare for stack, bare in self.pairs)


def bare(argv: list[str], work: Path) -> tuple[float, float]:
    """Wall and CPU seconds of ffmpeg alone."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            argv,
            cwd=work,
            env=media_env(),
            stdin=subprocess.DEVNULL,
            stdout=errors,
            stderr=errors,
            start_new_session=True,  # as the worker starts ffmpeg (each session its own CPU share)
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            errors.seek(0)
            raise RuntimeError(f"bare ffmpeg failed: {errors.read().decode(errors='replace')[-2000:]}")
    return elapsed, usage.ru_utime + usage.ru_stime


@contextmanager
def product_env(stack: LocalStack) -> Iterator[None]:
    """The product's settings and clients pointed at the stack, in this process."""
    from mediaflow import aws, settings

    env = {**stack.aws_env, "MEDIAFLOW_TABLE": stack.physical_ids["MediaTable"]}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings.reset_settings()
    aws.reset_clients()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def task_spec(stack: LocalStack, project_id: str, template_id: int) -> RenditionSpec:
    """The rendition exactly as the stack resolves it, so bare ffmpeg gets the same argv."""
    from mediaflow.transcode import template_store

    with product_env(stack):
        return template_store.rendition(project_id, template_id, "bench_1")


def task_times(stack: LocalStack, project_id: str, task_id: int) -> dict[str, float]:
    """Epoch seconds of the task's creation, claim and end, from its record."""
    from mediaflow.records import store
    from mediaflow.transcode.records import TaskDoc

    def epoch(key_time: str | None) -> float:
        assert key_time, "the task has no such time"
        return datetime.strptime(key_time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC).timestamp()

    with product_env(stack):
        record = store.get(TaskDoc, project_id, str(task_id))
    return {
        "created": epoch(record.created_at),
        "claimed": epoch(record.doc.start_time),
        "ended": epoch(record.doc.end_time),
    }


def aws_client(stack: LocalStack, service: str) -> Any:
    import boto3

    env = stack.aws_env
    return boto3.client(  # type: ignore[call-overload]  # service is a runtime name
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def completion_queue(stack: LocalStack) -> tuple[Any, str]:
    """A queue subscribed to TranscodeComplete: the end of a task is seen the moment it is
    announced, without polling the API (polling would steal CPU from the encode it measures)."""
    sqs, sns = aws_client(stack, "sqs"), aws_client(stack, "sns")
    url = sqs.create_queue(QueueName="bench-done")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=stack.physical_ids["EventsTopic"],
        Protocol="sqs",
        Endpoint=arn,
        Attributes={
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"event_type": ["TranscodeComplete"]}),
        },
    )
    return sqs, url


def wait_for_completion(done: tuple[Any, str], task_id: int) -> dict[str, Any]:
    sqs, url = done
    while True:
        for message in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            payload = json.loads(message["Body"])["payload"]
            if str(payload["transcode_info"]["task_id"]) == str(task_id):
                return dict(payload)


def cpu_labels(moto_pid: int | None) -> Any:
    me = os.getpid()

    def label(pid: int, usage: process_cpu.Usage) -> tuple[str, str]:
        if WORKER in usage.cmdline:
            return "worker Python (relay, heartbeat, boto3)", "ffmpeg + ffprobe (in the worker)"
        if pid == moto_pid:
            return "moto", "moto"
        if pid == me:
            own = "stack process (gateway, pollers, this script" + (")" if moto_pid else ", moto)")
            return own, "other functions"
        return "other functions", "other functions"

    return label


@dataclass
class Scenario:
    """One project with the benchmark's template and clip, on a started stack."""

    stack: LocalStack
    http: requests.Session
    base: str
    body: dict[str, Any]
    argv: list[str]  # bare ffmpeg's, in ``work``
    work: Path
    project_id: str
    done: tuple[Any, str]


def prepare(stack: LocalStack, clip: Path, work: Path) -> Scenario:
    project_id, token = stack.create_project("bench")
    http = requests.Session()
    http.headers["X-Auth-Token"] = token
    base = f"{stack.endpoint}/v1/{project_id}"
    template_id = http.post(f"{base}/template/transcodings", json=dict(TEMPLATE), timeout=30).json()[
        "template_id"
    ]
    bucket = stack.physical_ids["MediaBucket"]
    aws_client(stack, "s3").upload_file(str(clip), bucket, f"outputs/{project_id}/bench.mp4")
    where = {"bucket": bucket, "location": "us-east-1"}
    body: dict[str, Any] = {
        "input": {**where, "object": "bench.mp4"},
        "output": {**where, "object": "bench-out"},
        "trans_template_id": [template_id],
    }
    spec = task_spec(stack, project_id, template_id)
    argv = build_command(str(clip), [spec], work, source_info=probe(str(clip), timeout_s=30))
    return Scenario(stack, http, base, body, argv, work, project_id, completion_queue(stack))


def through_stack(scene: Scenario, results: Results, phase_log: PhaseLog, label: Any) -> float:
    """One task from the POST to its TranscodeComplete event; records where time and CPU went."""
    before, started = process_cpu.snapshot(), time.time()
    task_id = scene.http.post(f"{scene.base}/transcodings", json=scene.body, timeout=30).json()["task_id"]
    event = wait_for_completion(scene.done, task_id)
    received = time.time()
    results.cpu.append(process_cpu.spent(before, process_cpu.snapshot(), label))
    assert event["transcode_info"]["status"] == "SUCCEED", event
    times = task_times(scene.stack, scene.project_id, task_id)
    phases = phase_log.phases.get(str(task_id), {})
    results.steps.append(
        {
            "request to claim": times["claimed"] - started,
            **{name.removesuffix("_s"): value for name, value in phases.items()},
            "runner (events, records)": times["ended"] - times["claimed"] - sum(phases.values()),
            "end to event received": received - times["ended"],
        }
    )
    return received - started


def run_setup(setup: str, clip: Path) -> Results:
    stack = LocalStack(REPO)
    moto = MotoProcess(nice=19 if setup == "process-nice" else 0) if setup != "in-process" else None
    if moto is not None:
        stack.moto = moto  # type: ignore[assignment]  # same interface, in its own process
    phase_log = PhaseLog()
    functions_log = logging.getLogger("local.functions")
    functions_log.setLevel(logging.INFO)
    functions_log.addHandler(phase_log)
    results = Results(setup)
    try:
        with stack, tempfile.TemporaryDirectory() as work:
            scene = prepare(stack, clip, Path(work))
            label = cpu_labels(moto.proc.pid if moto is not None and moto.proc is not None else None)
            for run in range(RUNS + 1):  # run 0 warms both sides (workers, page cache) and is not counted
                if run % 2:
                    wall, cpu = bare(scene.argv, scene.work)
                    stacked = through_stack(scene, results, phase_log, label)
                else:
                    stacked = through_stack(scene, results, phase_log, label)
                    wall, cpu = bare(scene.argv, scene.work)
                if run:
                    results.pairs.append((stacked, wall))
                    results.bare_cpu.append(cpu)
                else:
                    results.cpu.clear()
                    results.steps.clear()
            before = process_cpu.snapshot()
            time.sleep(IDLE_S)
            results.idle = process_cpu.spent(before, process_cpu.snapshot(), label)
    finally:
        functions_log.removeHandler(phase_log)
    return results


SETUPS = {
    "process": "moto in its own process",
    "process-nice": "moto in its own process at nice 19 (it only gets CPU ffmpeg leaves)",
    "in-process": "moto in the stack's process (as make run)",
}


def report(results: Results) -> None:
    print(f"\n{SETUPS[results.setup]}: {RUNS} pairs, stack then bare / bare then stack")
    for number, (stacked, alone) in enumerate(results.pairs, start=1):
        ratio = stacked / alone
        print(f"  run {number}: stack {stacked:6.2f} s, bare ffmpeg {alone:6.2f} s, ratio {ratio:.3f}")
    steps = {name: statistics.median(s.get(name, 0.0) for s in results.steps) for name in results.steps[0]}
    print(f"  median ratio {results.ratio:.3f}; where the stack's time went (medians, s):")
    print("    " + ", ".join(f"{name} {value:.2f}" for name, value in steps.items()))
    if "encode" in steps:
        bare_wall = statistics.median(alone for _, alone in results.pairs)
        outside = sum(steps.values()) - steps["encode"]
        print(
            f"    outside the encode {outside:.2f} s = {outside / bare_wall:.1%} of bare ffmpeg (per task);"
            f" the encode itself {steps['encode'] / bare_wall:.3f}x bare ffmpeg"
        )
    cpu = {name: statistics.median(c.get(name, 0.0) for c in results.cpu) for name in results.cpu[0]}
    bare_cpu, total = statistics.median(results.bare_cpu), sum(cpu.values())
    print(f"  CPU s (medians): bare ffmpeg {bare_cpu:.1f}, the stack {total:.1f} ({total / bare_cpu:.2f}x):")
    print(
        "    " + ", ".join(f"{name} {value:.2f}" for name, value in sorted(cpu.items(), key=lambda i: -i[1]))
    )
    idle = ", ".join(f"{name} {value / IDLE_S:.3f}" for name, value in results.idle.items() if value > 0)
    print(f"  idle stack, CPUs busy on average (emulator polling, none of it in AWS): {idle}")


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the stack and moto on the way out
    parser = argparse.ArgumentParser(prog="python benchmarks/transcode_overhead.py")
    parser.add_argument("--moto", choices=[*SETUPS, "both"], default="process")
    args = parser.parse_args()
    print(load_line())
    clip = make_clip(REPO / ".mediaflow" / "bench", seconds=SECONDS, width=1280, height=720, fps=30)
    print(f"clip: {SECONDS} s 1280x720 30 fps -> MP4 720p H.264 2.5 Mbit/s + AAC")
    setups = ["process", "in-process"] if args.moto == "both" else [args.moto]
    results = []
    for setup in setups:
        results.append(run_setup(setup, clip))
        report(results[-1])
    print(load_line())
    headline = results[0]
    return verdict(
        headline.ratio <= TARGET,
        f"through the local stack ({SETUPS[headline.setup]}) / bare ffmpeg = {headline.ratio:.3f} "
        f"(target <= {TARGET}; wall time, load-sensitive)",
    )


if __name__ == "__main__":
    sys.exit(main())
