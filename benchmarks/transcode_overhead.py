"""Wall time of one transcoding task through the local stack against bare ffmpeg with the same
arguments on the same clip (target <= 1.03), plus the DynamoDB items read per query page.

The stack path is everything a user waits for: HTTP create, token, claim, probe over the relay,
encode, upload of the outputs, and the final state visible to GET. Bare ffmpeg gets the engine's
exact argv (``engine.build_command``) on the local file.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))
os.environ.setdefault("GCONV_PATH", "/dev/null")

from local.stack import LocalStack  # noqa: E402
from mediaflow.media.binaries import media_env  # noqa: E402
from mediaflow.media.probe import probe  # noqa: E402
from mediaflow.transcode.engine import build_command  # noqa: E402
from mediaflow.transcode.spec import RenditionSpec  # noqa: E402
from tests.support.clips import make_clip  # noqa: E402

RUNS = int(os.environ.get("OVERHEAD_RUNS", "3"))
SECONDS = int(os.environ.get("OVERHEAD_CLIP_SECONDS", "30"))
TEMPLATE = {
    "template_name": "bench_720",
    "video": {"codec": 1, "bitrate": 2500, "profile": 3, "preset": 1, "height": 720, "width": 0},
    "audio": {"codec": 1, "sample_rate": 4, "bitrate": 128, "channels": 2},
    "common": {"pack_type": 4},
}


def bare(clip: Path, spec: RenditionSpec) -> float:
    with tempfile.TemporaryDirectory() as work:
        argv = build_command(str(clip), [spec], Path(work), source_info=probe(str(clip), timeout_s=30))
        started = time.perf_counter()
        subprocess.run(argv, cwd=work, env=media_env(), check=True, capture_output=True)
        return time.perf_counter() - started


def task_spec(stack: LocalStack, project_id: str, template_id: int) -> RenditionSpec:
    """The rendition exactly as the stack resolves it, so bare ffmpeg gets the same argv."""
    from mediaflow import aws, settings
    from mediaflow.transcode import template_store

    env = {**stack.aws_env, "MEDIAFLOW_TABLE": stack.physical_ids["MediaTable"]}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    settings.reset_settings()
    aws.reset_clients()
    try:
        return template_store.rendition(project_id, template_id, "bench_1")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def completion_queue(stack: LocalStack) -> tuple[Any, str]:
    """A queue subscribed to TranscodeComplete: the end of a task is seen the moment it is
    announced, without polling the API (polling would steal CPU from the encode it measures)."""
    import boto3

    env = stack.aws_env
    kwargs = {
        "endpoint_url": env["AWS_ENDPOINT_URL"],
        "region_name": "us-east-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    sqs, sns = boto3.client("sqs", **kwargs), boto3.client("sns", **kwargs)
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


def main() -> int:
    clip = make_clip(REPO / ".mediaflow" / "bench", seconds=SECONDS, width=1280, height=720, fps=30)
    with LocalStack(REPO) as stack:
        project_id, token = stack.create_project("bench")
        http = requests.Session()
        http.headers["X-Auth-Token"] = token
        base = f"{stack.endpoint}/v1/{project_id}"
        template_id = http.post(f"{base}/template/transcodings", json=TEMPLATE, timeout=30).json()[
            "template_id"
        ]
        bucket = stack.physical_ids["MediaBucket"]
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=stack.aws_env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        s3.upload_file(str(clip), bucket, f"outputs/{project_id}/bench.mp4")
        where = {"bucket": bucket, "location": "us-east-1"}
        body = {
            "input": {**where, "object": "bench.mp4"},
            "output": {**where, "object": "bench-out"},
            "trans_template_id": [template_id],
        }

        spec = task_spec(stack, project_id, template_id)
        done = completion_queue(stack)
        stack_times, bare_times = [], []
        for run in range(RUNS + 1):  # run 0 warms both sides (worker init, page cache) and is not counted
            started = time.perf_counter()
            task_id = http.post(f"{base}/transcodings", json=body, timeout=30).json()["task_id"]
            event = wait_for_completion(done, task_id)
            elapsed = time.perf_counter() - started
            assert event["transcode_info"]["status"] == "SUCCEED", event
            alone = bare(clip, spec)
            if run:
                stack_times.append(elapsed)
                bare_times.append(alone)
    through, alone = statistics.median(stack_times), statistics.median(bare_times)
    print(f"clip: {SECONDS} s 1280x720 30 fps -> MP4 720p H.264 2.5 Mbit/s + AAC, median of {RUNS} warm runs")
    print(f"bare ffmpeg      {alone:7.2f} s")
    print(f"through stack    {through:7.2f} s")
    print(f"ratio            {through / alone:7.3f}  (target <= 1.03)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
