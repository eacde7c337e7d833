"""Long sources: split encoding in parallel, measured, and the wall clock of a 2-hour source modelled.

1. The same 3-minute 720p source (generated) through the local stack, split into the same chunks,
   with one worker and with two, ffmpeg limited to one thread per worker (a 1,769 MB Lambda has one
   vCPU): wall ratio two/one, target <= 0.55.
2. From measured 1080p chunk encodes (testsrc2 under camera-like noise: hard to compress; a few
   chunks of a 4-rung H.264 ladder, with a 3,538 MB
   worker's two threads), the audio encode rate, and the plan's and join's own database work for
   600 parts (against moto), the modelled wall clock of a 2-hour 1080p source at 100- and 1000-way
   fan-out, target < 180 s at 1000-way:

       wall(N) = plan(C) + max(audio(D), ceil(C / N) x chunk) + join(C),  C = D / L chunks

   where audio(D) = fixed + per_s x D is one audio part (the ladder's audio settings are parts of
   their own, in parallel), timed on the same material at two lengths.

Prints the figures and a verdict per target; exits 1 when a target is missed. The machine is
shared: run it on an otherwise idle machine (``make bench``). Set PARALLEL_SOURCE_S to shorten part 1.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]
os.environ.setdefault("MEDIAFLOW_BIN_DIR", str(REPO / ".mediaflow" / "layers" / "FfmpegLayer" / "bin"))
os.environ.setdefault("GCONV_PATH", "/dev/null")

from local.stack import LocalStack  # noqa: E402
from mediaflow.media.probe import probe  # noqa: E402
from tests.support.clips import make_clip  # noqa: E402

CLIPS = REPO / ".mediaflow" / "bench-clips"
SOURCE_S = int(os.environ.get("PARALLEL_SOURCE_S", "180"))
AUDIO_PARTS = 2  # the ladder's two audio settings, a part each
AUDIO_LOOPS = 10  # the audio part timed on the 24 s HD clip and on ten of it (240 s)
TWO_HOURS = 2 * 3600.0
LADDER = (141, 131, 121, 111)  # system presets: H.264 HLS 1080p, 720p, 540p, 360p (6 s segments)
TARGET_RATIO, TARGET_MODEL_S = 0.55, 180.0


def _stack_run(workers: int, clip: Path) -> float:
    env = {
        "MEDIAFLOW_FFMPEG_THREADS": "1",
        "MEDIAFLOW_TRANSCODE_SPLIT": "always",
        "MEDIAFLOW_TRANSCODE_PARALLEL": "8",  # the same chunks with one worker or two
        "MEDIAFLOW_MIN_CHUNK_S": "24",
    }
    with LocalStack(REPO, extra_env=env, pool_size=workers) as stack:
        project = stack.create_project_doc(f"bench-parallel-{workers}")
        pid, token = project["project_id"], project["token"]
        bucket = stack.physical_ids["MediaBucket"]
        import boto3

        s3 = boto3.client(
            "s3",
            endpoint_url=stack.aws_env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        key = f"outputs/{pid}/bench/source.mp4"
        s3.upload_file(str(clip), bucket, key)
        where = {"bucket": bucket, "location": "us-east-1"}
        body = {
            "input": {**where, "object": key},
            "output": {**where, "object": "out"},
            "trans_template_id": [131],
        }
        headers = {"X-Auth-Token": token}
        started = time.perf_counter()
        answer = requests.post(
            f"{stack.endpoint}/v1/{pid}/transcodings", json=body, headers=headers, timeout=30
        )
        answer.raise_for_status()
        task_id = answer.json()["task_id"]
        while True:
            time.sleep(1.0)
            listed = requests.get(
                f"{stack.endpoint}/v1/{pid}/transcodings",
                params={"task_id": task_id},
                headers=headers,
                timeout=30,
            ).json()["task_array"][0]
            if listed["status"] not in ("WAITING", "TRANSCODING"):
                break
        wall = time.perf_counter() - started
        if listed["status"] != "SUCCEEDED":
            raise SystemExit(f"the task ended {listed['status']}: {listed.get('description')}")
        print(f"  {workers} worker(s): {wall:.1f} s, {listed['transcode_detail']['chunks']} chunks")
        # moto keeps its backends in this process: the next stack must start from nothing
        requests.post(f"{stack.aws_env['AWS_ENDPOINT_URL']}/moto-api/reset", timeout=60)
        return wall


def hd_source() -> Path:
    """24 s of 1080p30 with camera-like noise over a moving pattern: hard to compress, cheap to make."""
    from tests.support.clips import run_ffmpeg

    path = CLIPS / "hd-noisy-24s.mp4"
    if not path.exists():
        run_ffmpeg(
            ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=24", "-f", "lavfi", "-i",
             "sine=frequency=440:sample_rate=48000:duration=24", "-vf", "noise=alls=12:allf=t+u",
             "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", "-pix_fmt", "yuv420p", "-c:a", "aac",
             str(path)], timeout_s=600,
        )  # fmt: skip
    return path


def measure_chunks(clip: Path, chunk_s: float = 12.0, chunks: int = 2) -> dict[str, float]:
    """Wall seconds of ladder chunks and of the audio, encoded from a local file as a worker does."""
    from mediaflow import settings
    from mediaflow.transcode import chunk_media, presets, templates

    os.environ["MEDIAFLOW_FFMPEG_THREADS"] = "2"  # a 3,538 MB transcoding worker has two vCPUs
    settings.reset_settings()
    info = probe(str(clip), timeout_s=60)
    specs = []
    for template_id in LADDER:
        preset = presets.get(template_id)
        assert preset is not None
        specs.append(templates.to_spec(template_id, preset, f"r{template_id}"))
    walls = []
    with tempfile.TemporaryDirectory() as work:
        for index in range(chunks):
            start = index * chunk_s
            began = time.perf_counter()
            chunk_media.encode_chunk(
                str(clip), specs, info, Path(work) / f"c{index}", (start, start + chunk_s),
                on_progress=None, should_stop=None, deadline_s=900,
            )  # fmt: skip
            walls.append(time.perf_counter() - began)
        # An audio part (the ladder's audio settings run as parallel parts, one each; the first is
        # timed) at two lengths of the same material: a fixed cost (ffmpeg's start, the outputs'
        # probes) and a cost per source second (demuxing the source, encoding its audio). Dividing
        # one short clip's time by its length would count the fixed cost per second.
        parts = len(chunk_media.audio_units(specs, info))
        timed = []
        for source in (clip, looped(clip, AUDIO_LOOPS)):
            source_info = probe(str(source), timeout_s=60)
            began = time.perf_counter()
            chunk_media.encode_audio(
                str(source), specs, source_info, Path(work) / f"audio-{len(timed)}",
                on_progress=None, should_stop=None, deadline_s=900, share=(0, parts),
            )  # fmt: skip
            timed.append((source_info.duration_s, time.perf_counter() - began))
    (short_s, short_wall), (long_s, long_wall) = timed
    per_s = max(0.0, (long_wall - short_wall) / (long_s - short_s))
    fixed = max(0.0, short_wall - per_s * short_s)
    walled = statistics.mean(walls)
    return {"chunk_s": chunk_s, "chunk_wall": walled, "audio_per_s": per_s, "audio_fixed": fixed,
            "audio_parts": parts}  # fmt: skip


def looped(clip: Path, times: int) -> Path:
    """``clip`` repeated ``times`` times: the video by stream copy (the same bytes per second as the
    clip), the audio a fresh sine of the whole length."""
    from tests.support.clips import run_ffmpeg

    path = clip.with_name(f"{clip.stem}-x{times}.mp4")
    if not path.exists():
        seconds = probe(str(clip), timeout_s=60).duration_s * times
        run_ffmpeg(
            ["-stream_loop", str(times - 1), "-i", str(clip), "-f", "lavfi", "-i",
             f"sine=frequency=440:sample_rate=48000:duration={seconds:.3f}", "-map", "0:v", "-map", "1:a",
             "-c:v", "copy", "-c:a", "aac", "-t", f"{seconds:.3f}", str(path)], timeout_s=600,
        )  # fmt: skip
    return path


def measure_bookkeeping(parts: int) -> dict[str, float]:
    """The plan's and the join's database work for ``parts`` parts, against moto (one process)."""
    from mediaflow import aws, settings
    from mediaflow.records.model import new_record
    from mediaflow.transcode import split_task
    from mediaflow.transcode.parts import PARTS
    from mediaflow.transcode.records import SplitInfo, TaskDoc
    from mediaflow.transcode.spec import RenditionSpec, VideoSpec
    from tests.support.aws import environment, moto_stack

    with (
        moto_stack() as stack,
        environment({**stack.env, "MEDIAFLOW_PLAN_WRITERS": "1"}),
    ):  # moto: one at a time
        settings.reset_settings()
        aws.reset_clients()
        info = probe(str(make_clip(CLIPS, seconds=2)), timeout_s=30)
        spec = RenditionSpec(template_id=1, pack_type="HLS", video=VideoSpec(height=240), output_name="r")
        doc = TaskDoc(task_id=1, source_key="k", output_dir="o/", trans_template_id=[1], renditions=[spec])
        doc.split = SplitInfo(chunk_s=12, chunks=parts, source=info, work_prefix="work/p/1/", audio_parts=2)
        from mediaflow.records import store

        task = store.create(new_record(doc, "p" * 32, "1", "2026-01-01T00:00:00.000000Z"))
        chunks = [(12.0 * i, 12.0 * (i + 1)) for i in range(parts)]
        began = time.perf_counter()
        split_task.create_parts(PARTS, task, chunks, AUDIO_PARTS, 1000)
        plan = time.perf_counter() - began
        began = time.perf_counter()
        found = split_task.parts_of(task)
        join = time.perf_counter() - began
        assert len(found) == parts + AUDIO_PARTS
    return {"plan_s": plan, "join_s": join}


def main() -> int:
    CLIPS.mkdir(parents=True, exist_ok=True)
    ok = True
    print(f"1. {SOURCE_S} s of 720p through the local stack, split, one ffmpeg thread per worker")
    source = make_clip(CLIPS, seconds=SOURCE_S, width=1280, height=720, fps=25)
    one, two = _stack_run(1, source), _stack_run(2, source)
    ratio = two / one
    verdict = "MET" if ratio <= TARGET_RATIO else "MISSED"
    ok &= ratio <= TARGET_RATIO
    print(f"   wall ratio two/one = {ratio:.3f} (target <= {TARGET_RATIO}): {verdict}")

    print("2. a 2-hour 1080p source into the 4-rung H.264 ladder (141/131/121/111), modelled")
    chunk = measure_chunks(hd_source())
    chunks = math.ceil(TWO_HOURS / chunk["chunk_s"])
    books = measure_bookkeeping(chunks)
    audio = chunk["audio_fixed"] + chunk["audio_per_s"] * TWO_HOURS
    print(f"   measured: a {chunk['chunk_s']:g} s chunk {chunk['chunk_wall']:.1f} s (2 vCPU), an audio "
          f"part (one of {chunk['audio_parts']}) {chunk['audio_fixed']:.1f} s + "
          f"{chunk['audio_per_s'] * 1000:.1f} ms per source s, "
          f"plan {books['plan_s']:.1f} s and join "
          f"{books['join_s']:.1f} s of database work for {chunks} parts (moto)")  # fmt: skip
    print("   wall(N) = plan + max(audio(D), ceil(C / N) x chunk) + join,  C = D / L")
    for fan_out in (100, 1000):
        waves = math.ceil(chunks / fan_out)
        wall = books["plan_s"] + max(audio, waves * chunk["chunk_wall"]) + books["join_s"]
        line = f"   {fan_out:>4}-way: {books['plan_s']:.1f} + max({audio:.1f}, "
        line += f"{waves} x {chunk['chunk_wall']:.1f}) + {books['join_s']:.1f} = {wall:.1f} s"
        if fan_out == 1000:
            verdict = "MET" if wall < TARGET_MODEL_S else "MISSED"
            ok &= wall < TARGET_MODEL_S
            line += f" (target < {TARGET_MODEL_S:.0f} s): {verdict}"
        print(line)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
