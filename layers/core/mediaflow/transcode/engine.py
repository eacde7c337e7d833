"""The encoding engine: one source, a list of RenditionSpec, one ffmpeg process, per-rendition results.

``encode()`` decodes the source once and writes every rendition in the same ffmpeg run. The argv
comes from ``ffmpeg_args`` (``build_command`` here returns it for a local source), the run from
``progress.run_ffmpeg``, the file lists, probes and the HLS master playlist from ``outputs``.

Safety
  The source is a local file (``-protocol_whitelist file``) or an http(s) URL read through
  ``mediaflow.media.relay`` on 127.0.0.1 (``-protocol_whitelist http,tcp``): the static ffmpeg
  never resolves a host name (it segfaults doing so) and never sees the presigned URL. The input's
  ``-format_whitelist`` is probe's list of media demuxers, so an upload that is a playlist is not
  followed. Only validated numbers/enums of the spec and output names matching ``[A-Za-z0-9._-]``
  (not starting with '.' or '-', no '..', unique in the task) reach the argv. ffmpeg runs with
  ``workdir`` as its working directory and bare output names, so it writes nowhere else.

One process, ``split``
  ``[0:v]split=N`` feeds one scale chain per video rendition; each rendition is its own output
  with the source audio mapped to it (an input stream is decoded once, whatever the number of
  outputs). Measured on 2 cores, 10 s 720p source to a 720/480/360p HLS ladder, median of 3:
  split with one hls output per rendition 2.99 s; one hls muxer with ``-var_stream_map`` and audio
  in each variant 3.04 s (the same work); ``-var_stream_map`` with one shared audio group 2.69 s
  (one AAC encode instead of three, but audio in a separate playlist: not the vendors' layout);
  three ffmpeg processes in parallel 3.11 s. Split costs nothing against var_stream_map for the
  vendor layout and also carries MP4/DASH/MP3/ADTS outputs, per-rendition segment lengths and
  names, and per-rendition failures (below).

Packaging
  MP4: ``-movflags +faststart``. HLS: ``-hls_time N -hls_playlist_type vod`` with key frames forced
  at exact multiples of N (``-force_key_frames expr:gte(t,n_forced*N)``, no scene-cut key frames),
  so every segment but the last lasts N s. Segments are MPEG-TS for H.264 (what the vendors
  deliver, readable by every HLS player, version 3) and fMP4 for H.265 (Apple's HLS spec requires
  HEVC in fMP4; ``hvc1``). Reading TS back needs ``GCONV_PATH``, which media_env() sets. With two
  or more HLS renditions, ``master.m3u8`` lists them in task order with BANDWIDTH (peak segment
  bitrate), AVERAGE-BANDWIDTH, RESOLUTION, FRAME-RATE and CODECS; it is written by us after the
  encode because ffmpeg's own (``-master_pl_name``) is written before any data from the declared
  bitrates (with CRF it announced 141 kbit/s, the audio only, for a 720p variant). It is listed in
  the ``files`` of each HLS rendition. DASH: ``.mpd`` and fMP4 segments of ``dash_interval``.
  HLS+DASH: encoded once and muxed twice with the tee muxer. MP3 (libmp3lame) and ADTS (AAC in
  ``.aac``) are audio only, whatever audio codec the spec names.

Codecs
  H.264: libx264 with the spec's profile/level/preset/B-frames (baseline: none), GOP = gop_seconds
  x output fps, ``-sc_threshold 0``. H.265: libx265 Main (any profile), closed GOP, no scene cut, forced key
  frames as IDR (``-forced-idr 1``). bitrate_kbps > 0: capped VBR through the encoder's VBV,
  ``-b:v B -maxrate 1.5B -bufsize 2B`` (a buffer of 2 s at the average rate: segments may peak 50 %
  above the average, inside Apple's 200 % rule, and BANDWIDTH stays predictable); 0: CRF 23
  (H.264) / 28 (H.265) without VBV. Audio: ffmpeg's ``aac`` (LC) or libmp3lame (<= 2 channels,
  8-320 kbit/s); bitrate 0 means 64 kbit/s per channel (MP3 stereo 128); sample rate 0 keeps the
  source rate, others snap to the encoder's nearest. heaac1/heaac2: the build has no libfdk_aac
  and ffmpeg's encoder has no SBR/PS, so they are encoded as AAC-LC (>= 32 kbit/s per channel)
  and the result carries a warning saying so.

Source-aware rules
  - Sizes follow the source DISPLAY size (after rotation). width=0 or height=0: derived from the
    other and the display aspect ratio, rounded to even (H.264) / a multiple of 4 (H.265); both 0:
    the source size; both given: that size, rounded down to the same steps.
  - Never upscale: a rendition wider or taller than the source display is ``skipped``, code
    MPC.10058, "rendition above source resolution (WxH > source WxH)". If every video rendition
    would be skipped, the smallest is produced shrunk to fit the source (its aspect ratio kept),
    status ``clamped``, with a warning.
  - Rotation: ffmpeg's autorotate applies the display matrix, so outputs are upright (a portrait
    phone clip gives portrait outputs) and carry no rotation metadata.
  - Frame rate: never above the source; the ``fps`` filter is used only to lower it.
  - Audio-only input: MP3/ADTS work. A rendition with video and audio settings gives an audio-only
    output of its pack type, as Huawei MPC does ("only audio but no image after transcoding"), with
    a warning; one without audio settings fails MPC.10066 "input has no video stream". Video
    without audio: outputs have no audio stream; MP3/ADTS fail MPC.10067.
  - Errors: an unreadable, corrupt or truncated input (ffmpeg cannot open it, or it ends early
    with "partial file"/decode errors; a truncated MP4 with its index first makes ffmpeg exit 0
    with a short output) fails the renditions with MPC.10125. Other ffmpeg failures are MPC.10050;
    when ffmpeg names the failing output, only that rendition fails and the others run again.

Progress, cancellation, deadline
  Percent of the source (or segment) duration, increasing, at most once a second, then 100 when
  something was produced. ``should_stop()`` is polled about once a second; when it is true
  ffmpeg's process group is killed and the renditions are ``canceled``. ``deadline_s`` is a
  budget in seconds from the call: past it ffmpeg is killed and the renditions fail with code
  ``Timeout``. Files of renditions that did not finish are deleted.

Parallel encoding (next step)
  ``segment=(start, end)`` encodes only that part of the source (accurate input seek ``-ss``/``-to``;
  the piece starts at t=0 with an IDR frame, GOPs are closed), MP4 only. Pieces cut at the same
  boundaries join frame-exactly with the concat demuxer (``-f concat -c copy``; the test checks the
  frame count against a single pass). Key frames are forced relative to the piece start, so
  boundaries must be multiples of the segment/GOP length for the joined video to keep the single
  pass's key frame grid. Audio should be encoded once for the whole source and muxed with the
  joined video (every AAC piece would add its own priming samples).
"""

from __future__ import annotations

import math
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mediaflow.media import relay
from mediaflow.media.models import MediaInfo
from mediaflow.transcode import outputs, overlays
from mediaflow.transcode.ffmpeg_args import ErrorCode, Plan, check_output_name, command, plan_renditions
from mediaflow.transcode.progress import RunOutcome, run_ffmpeg
from mediaflow.transcode.spec import RenditionSpec

__all__ = ["ErrorCode", "RenditionResult", "build_command", "check_output_name", "encode"]

Status = Literal["ok", "skipped", "clamped", "failed", "canceled"]
RELAY_TIMEOUT_S = 30.0
RELAY_MAX_CHUNK = 8 * 1024 * 1024
_INPUT_ERRORS = (  # stderr of ffmpeg 6.0 when it cannot read the input
    *("Invalid data found when processing input", "moov atom not found", "partial file"),
    *("Error while decoding", "could not find codec parameters", "does not contain any stream"),
    *("Invalid NAL unit", "Server returned", "Connection refused", "Input/output error", "End of file"),
)
_OUTPUT_INDEX = re.compile(r"\[(?:out|vost|aost)#(\d+)")
_ADDRESS = re.compile(r" @ 0x[0-9a-f]+")


class RenditionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    template_id: int
    output_name: str
    pack_type: str
    status: Status
    error_code: str | None = None
    error_msg: str | None = None
    files: list[str] = []  # relative to workdir, main file first
    main_file: str | None = None
    master_file: str | None = None  # master.m3u8 when the task has several HLS renditions
    media_info: MediaInfo | None = None  # ffprobe of main_file
    width: int | None = None  # display size of the output video
    height: int | None = None
    warnings: list[str] = []  # e.g. HE-AAC encoded as AAC-LC, clamped size, audio-only output


def build_command(
    source: str,
    renditions: list[RenditionSpec],
    workdir: Path,
    *,
    source_info: MediaInfo,
    segment: tuple[float, float] | None = None,
) -> list[str]:
    """The exact ffmpeg argv ``encode`` runs for a local ``source``; run it with cwd=``workdir``."""
    kind, target = relay.check_source(source)
    if kind != "file":
        raise ValueError("build_command takes a local source; encode() relays URLs")
    plans = plan_renditions(renditions, source_info)
    _check_segment(segment, plans)
    return command(target, "file", plans, source_info, segment)


def _check_segment(segment: tuple[float, float] | None, plans: list[Plan]) -> None:
    if segment is None:
        return
    start, end = segment
    if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
        raise ValueError("segment must be (start, end) with 0 <= start < end")
    if any(p.encodes and p.spec.pack_type != "MP4" for p in plans):
        raise ValueError("segments are encoded as MP4 pieces only")


def _result(plan: Plan, status: Status, code: str | None = None, msg: str | None = None) -> RenditionResult:
    spec = plan.spec
    return RenditionResult(
        template_id=spec.template_id,
        output_name=spec.output_name,
        pack_type=spec.pack_type,
        status=status,
        error_code=code,
        error_msg=msg,
        warnings=list(plan.warnings),
    )


def _classify(outcome: RunOutcome, failure: str | None, target: str) -> tuple[ErrorCode, str]:
    if failure is not None:
        return ErrorCode.INPUT_DATA, f"input unreadable: {failure}"
    text = _ADDRESS.sub("", outcome.stderr)
    lines = [line.replace(target, "input").strip() for line in text.splitlines() if line.strip()]
    detail = (lines[-1] if lines else f"ffmpeg exited with {outcome.returncode}")[:300]
    if any(marker in outcome.stderr for marker in _INPUT_ERRORS):
        return ErrorCode.INPUT_DATA, f"input data error: {detail}"
    return ErrorCode.ENCODE_FAILED, f"transcoding failed: {detail}"


def _collect(
    plan: Plan, workdir: Path, outcome: RunOutcome, expected_s: float
) -> tuple[RenditionResult, Any]:
    files = outputs.rendition_files(plan, workdir)
    if plan.main_file not in files:
        return _result(plan, "failed", ErrorCode.ENCODE_FAILED, "ffmpeg wrote no output"), None
    try:
        info, data = outputs.probe_output(workdir / plan.main_file)
    except (subprocess.SubprocessError, ValueError):
        return _result(plan, "failed", ErrorCode.ENCODE_FAILED, "the output cannot be read back"), None
    short = info.duration_s < expected_s - max(1.0, 0.05 * expected_s)
    if "partial file" in outcome.stderr or (short and outcome.stderr.strip()):
        msg = (
            f"input data error: the input ends early ({info.duration_s:.1f} s of {expected_s:.1f} s decoded)"
        )
        return _result(plan, "failed", ErrorCode.INPUT_DATA, msg), None
    video = info.video
    done = _result(plan, "clamped" if plan.status == "clamped" else "ok")
    update = {"files": files, "main_file": plan.main_file, "media_info": info}
    if video is not None:
        update |= {"width": video.display_width, "height": video.display_height}
    return done.model_copy(update=update), data


class _Increasing:
    """Forwards only increasing percentages (a run repeated without a failed output restarts at 0)."""

    def __init__(self, callback: Callable[[float], None]) -> None:
        self.callback, self.last = callback, -1.0

    def __call__(self, percent: float) -> None:
        if percent > self.last:
            self.last = percent
            self.callback(percent)


@dataclass
class _Job:
    plans: list[Plan]
    workdir: Path
    info: MediaInfo
    segment: tuple[float, float] | None
    split_timeline: bool = False
    watermarks: overlays.Prepared | None = None
    results: dict[int, RenditionResult] = field(default_factory=dict)
    raw: dict[int, Any] = field(default_factory=dict)  # ffprobe JSON of each main file

    def run(self, kind: str, target: str, todo: list[Plan], **run: Any) -> tuple[RunOutcome, str | None]:
        """One ffmpeg run for ``todo``; the relay's upstream failure message, if it saw one."""
        for plan in todo:
            outputs.remove_files(plan, self.workdir)
        if kind == "file":
            return run_ffmpeg(
                command(target, "file", todo, self.info, self.segment, **self.options()),
                self.workdir,
                **run,
            ), None
        with relay.serve(target, timeout_s=RELAY_TIMEOUT_S, max_chunk=RELAY_MAX_CHUNK) as local:
            outcome = run_ffmpeg(
                command(local, "http,tcp", todo, self.info, self.segment, **self.options()),
                self.workdir,
                **run,
            )
            failure = local.failure if outcome.returncode else None
            return outcome, failure.message if failure else None

    def options(self) -> dict[str, Any]:
        return {
            "split_timeline": self.split_timeline,
            "threads": ffmpeg_threads(),
            "watermarks": self.watermarks,
        }

    def settle(self, todo: list[Plan], outcome: RunOutcome, failure: str | None, target: str) -> list[Plan]:
        """Record the results of a run; return the plans to run again (without a failed output)."""
        expected = self.segment[1] - self.segment[0] if self.segment else self.info.duration_s
        if outcome.returncode == 0:
            for plan in todo:
                self.results[plan.index], self.raw[plan.index] = _collect(
                    plan, self.workdir, outcome, expected
                )
                if self.results[plan.index].status == "failed":
                    outputs.remove_files(plan, self.workdir)
            return []
        for plan in todo:
            outputs.remove_files(plan, self.workdir)
        if outcome.canceled:
            self.fail(todo, None, "canceled", status="canceled")
            return []
        if outcome.timed_out:
            self.fail(todo, ErrorCode.TIMEOUT, "encoding did not finish within the deadline")
            return []
        code, msg = _classify(outcome, failure, target)
        culprit = _OUTPUT_INDEX.search(outcome.stderr)
        if code == ErrorCode.ENCODE_FAILED and culprit and int(culprit[1]) < len(todo) and len(todo) > 1:
            self.fail([todo[int(culprit[1])]], code, msg)
            return [p for i, p in enumerate(todo) if i != int(culprit[1])]
        self.fail(todo, code, msg)
        return []

    def fail(self, plans: list[Plan], code: str | None, msg: str, status: Status = "failed") -> None:
        self.results |= {p.index: _result(p, status, code, msg) for p in plans}


def encode(
    source: str,
    renditions: list[RenditionSpec],
    workdir: Path,
    *,
    source_info: MediaInfo,
    on_progress: Callable[[float], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    deadline_s: float | None = None,
    segment: tuple[float, float] | None = None,
    split_timeline: bool = False,
    watermarks: overlays.Prepared | None = None,
) -> list[RenditionResult]:
    """Encode ``source`` into every rendition under ``workdir``; one result per rendition, in order.
    ``split_timeline``: HLS outputs on a split task's timeline (its audio rendition);
    ``watermarks``: drawn in the video graph (``overlays``)."""
    started = time.monotonic()
    plans = plan_renditions(renditions, source_info)
    job = _Job(plans, Path(workdir).absolute(), source_info, segment, split_timeline, watermarks)
    job.workdir.mkdir(parents=True, exist_ok=True)
    _check_segment(segment, job.plans)
    for plan in job.plans:
        if plan.status in ("skipped", "failed"):
            job.fail([plan], plan.error_code, plan.error_msg or "", status=plan.status)
    todo = [p for p in job.plans if p.encodes]
    kind, target = "file", ""
    try:
        kind, target = relay.check_source(source)
    except relay.SourceError as exc:
        job.fail(todo, ErrorCode.INPUT_DATA, f"input unreadable: {exc.message}")
        todo = []
    progress = _Increasing(on_progress) if on_progress else None
    expected = segment[1] - segment[0] if segment else source_info.duration_s
    for _attempt in range(2):  # the second run only without an output ffmpeg named as failing
        if not todo:
            break
        budget = None if deadline_s is None else max(0.0, deadline_s - (time.monotonic() - started))
        run = {
            "duration_s": expected,
            "on_progress": progress,
            "should_stop": should_stop,
            "deadline_s": budget,
        }
        outcome, failure = job.run(kind, target, todo, **run)
        todo = job.settle(todo, outcome, failure, target)
    job.fail(todo, ErrorCode.ENCODE_FAILED, "transcoding failed: other outputs of the run failed twice")
    _write_master(job)
    if progress is not None and any(r.status in ("ok", "clamped") for r in job.results.values()):
        progress(100.0)
    return [job.results[p.index] for p in job.plans]


def ffmpeg_threads() -> int:
    from mediaflow.settings import get_settings

    return get_settings().ffmpeg_threads


def _write_master(job: _Job) -> None:
    produced = [p for p in job.plans if job.results[p.index].media_info is not None]
    hls = [p for p in produced if p.spec.pack_type in ("HLS", "HLS+DASH")]
    if len(hls) < 2:
        return
    variants = []
    for plan in hls:
        info = job.results[plan.index].media_info
        assert info is not None
        variants.append(outputs.Variant(f"{plan.spec.output_name}.m3u8", info, job.raw[plan.index]))
    master = outputs.write_master(job.workdir, variants)
    for plan in hls:
        result = job.results[plan.index]
        job.results[plan.index] = result.model_copy(
            update={"files": [*result.files, master], "master_file": master}
        )
