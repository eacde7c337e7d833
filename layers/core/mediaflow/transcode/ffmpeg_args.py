"""From RenditionSpec + source MediaInfo to one ffmpeg argv: pure, no subprocess (see engine.py for
the rules applied here and why).

``plan_renditions`` decides per rendition what is produced (sizes, frame rate, codecs, or why it
is skipped/failed); ``command`` turns the plans into the argv. Only numbers and enum values of the
spec, validated output names and our own constants reach the command line. Output paths are bare
file names: ffmpeg runs with ``workdir`` as its working directory, so it writes nowhere else (and
no path or character of ``workdir`` has to be escaped for the tee muxer).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Literal

from mediaflow.media.binaries import ffmpeg_path
from mediaflow.media.models import MediaInfo
from mediaflow.media.probe import MEDIA_DEMUXERS
from mediaflow.transcode import overlays
from mediaflow.transcode.spec import AUDIO_ONLY_PACKS, AudioSpec, RenditionSpec, VideoSpec

COMMON = ("-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-progress", "pipe:1", "-nostats")
HTTP_READ_TIMEOUT_US = 60_000_000  # ffmpeg's -rw_timeout on the relay connection
CRF = {"h264": 23, "h265": 28}
MAXRATE_FACTOR, BUFSIZE_FACTOR = 1.5, 2.0  # capped VBR, see engine.py
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)
MP3_RATES = (48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
LEVELS = re.compile(r"1b|[1-6](\.[0-3])?")
NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")  # no leading "-" (an option) or "."
MASTER_NAME = "master"
# Where a split task's HLS timeline starts (video chunks and the audio rendition alike): far enough
# from zero that no chunk's first decode timestamp is negative (B-frame delay), which ffmpeg would
# shift differently for the first chunk than for the others (measured: +2 frames, chunk 0 only).
SPLIT_TIMELINE_S = 10.0
KEY_EPSILON_S = 0.001  # forced key frame times are compared with this slack (float rounding of t)


@dataclass(frozen=True)
class ChunkCut:
    """The chunk [start, end) of a split task, encoded with ``preroll`` seconds before it and
    ``overlap`` after it (so rate control and look-ahead see what a single pass would at its
    seams), with key frames forced at ``start`` and ``end``; the extra is dropped afterwards."""

    start: float
    end: float
    preroll: float = 0.0
    overlap: float = 0.0

    @property
    def read(self) -> tuple[float, float]:
        return self.start - self.preroll, self.end + self.overlap


class ErrorCode(StrEnum):
    INVALID_PARAMETER = "MPC.10202"  # a spec the engine refuses (output name, level)
    ABOVE_SOURCE = "MPC.10058"  # rendition above the source resolution: skipped
    NO_VIDEO = "MPC.10066"  # video-only rendition, audio-only input
    NO_AUDIO = "MPC.10067"  # audio-only rendition (MP3/ADTS), input without audio
    INPUT_DATA = "MPC.10125"  # input unreadable, corrupt or truncated
    ENCODE_FAILED = "MPC.10050"  # ffmpeg failed for any other reason
    TIMEOUT = "Timeout"  # deadline_s exceeded


@dataclass(frozen=True)
class VideoPlan:
    codec: Literal["h264", "h265"]
    width: int
    height: int
    fps_filter: float | None  # set only when lowering the source rate
    gop_frames: int
    spec: VideoSpec


@dataclass(frozen=True)
class AudioPlan:
    codec: Literal["aac", "mp3"]
    bitrate_kbps: int
    sample_rate: int | None  # None: the source rate (or the encoder's nearest)
    channels: int


@dataclass(frozen=True)
class Plan:
    index: int
    spec: RenditionSpec
    status: Literal["encode", "clamped", "skipped", "failed"]
    video: VideoPlan | None = None
    audio: AudioPlan | None = None
    error_code: str | None = None
    error_msg: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def encodes(self) -> bool:
        return self.status in ("encode", "clamped")

    @property
    def fmp4(self) -> bool:
        """HLS segments are fMP4 for HEVC (Apple requires it), MPEG-TS otherwise."""
        return self.video is not None and self.video.codec == "h265"

    @property
    def main_file(self) -> str:
        name, pack = self.spec.output_name, self.spec.pack_type
        suffix = {"MP4": ".mp4", "MP3": ".mp3", "ADTS": ".aac", "DASH": ".mpd"}.get(pack, ".m3u8")
        return name + suffix

    @property
    def fixed_files(self) -> set[str]:
        """Names that do not depend on the segment count (to find clashes between renditions)."""
        name, pack = self.spec.output_name, self.spec.pack_type
        names = {self.main_file}
        if pack in ("HLS", "HLS+DASH"):
            names |= {f"{name}.m3u8"} | ({f"{name}_init.mp4"} if self.fmp4 else set())
        if pack in ("DASH", "HLS+DASH"):
            names.add(f"{name}.mpd")
        return names


def _refused(plan: Plan, msg: str) -> Plan:
    return Plan(plan.index, plan.spec, "failed", error_code=ErrorCode.INVALID_PARAMETER, error_msg=msg)


def check_output_name(name: str) -> str | None:
    """Why ``name`` cannot be an output name, or None: [A-Za-z0-9._-], not starting with '.'/'-', no '..'."""
    if not NAME.fullmatch(name) or ".." in name:
        return f"invalid output_name {name[:60]!r}: use letters, digits, '.', '_', '-' only"
    return None


def _floor_to(value: float, step: int) -> int:
    return max(step, int(value) // step * step)


def _round_to(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


def target_size(video: VideoSpec, source_w: int, source_h: int) -> tuple[int, int]:
    """Output size before the no-upscale rule: 0 derives from the source display aspect ratio."""
    step = 2 if video.codec == "h264" else 4
    w, h = video.width, video.height
    if not w and not h:
        return _floor_to(source_w, step), _floor_to(source_h, step)
    if not w:
        th = _floor_to(h, step)
        tw = _round_to(th * source_w / source_h, step)
        return (min(tw, _floor_to(source_w, step)) if th <= source_h else tw), th
    if not h:
        tw = _floor_to(w, step)
        th = _round_to(tw * source_h / source_w, step)
        return tw, (min(th, _floor_to(source_h, step)) if tw <= source_w else th)
    return _floor_to(w, step), _floor_to(h, step)


def clamp_size(width: int, height: int, source_w: int, source_h: int, step: int) -> tuple[int, int]:
    """Shrink (width, height) to fit the source, keeping its aspect ratio."""
    factor = min(source_w / width, source_h / height, 1.0)
    return _floor_to(width * factor, step), _floor_to(height * factor, step)


def _video_plan(video: VideoSpec, info: MediaInfo, size: tuple[int, int]) -> VideoPlan:
    source_fps = info.video.frame_rate if info.video else None
    wanted = video.frame_rate
    lower = wanted > 0 and (source_fps is None or wanted < source_fps - 0.001)
    fps = wanted if lower else (source_fps or 25.0)
    gop = max(1, round(video.gop_seconds * fps))
    return VideoPlan(video.codec, size[0], size[1], wanted if lower else None, gop, video)


def _audio_plan(audio: AudioSpec, pack: str) -> tuple[AudioPlan, tuple[str, ...]]:
    mp3 = pack == "MP3" or (audio.codec == "mp3" and pack != "ADTS")  # MP3 packs are MP3, ADTS AAC
    codec: Literal["aac", "mp3"] = "mp3" if mp3 else "aac"
    warnings: tuple[str, ...] = ()
    channels = min(audio.channels, 2) if codec == "mp3" else audio.channels
    bitrate = audio.bitrate_kbps or (128 if codec == "mp3" and channels == 2 else 64 * channels)
    if codec == "aac" and audio.codec in ("heaac1", "heaac2"):
        bitrate = max(bitrate, 32 * channels)  # AAC-LC needs more than HE-AAC's typical rates
        warnings = (f"{audio.codec} (HE-AAC) is not available in this ffmpeg build: encoded as AAC-LC",)
    if codec == "mp3":
        bitrate = min(max(bitrate, 8), 320)
    rates = MP3_RATES if codec == "mp3" else AAC_RATES
    rate = min(rates, key=lambda r: abs(r - audio.sample_rate)) if audio.sample_rate else None
    return AudioPlan(codec, bitrate, rate, channels), warnings


def _one(index: int, spec: RenditionSpec, info: MediaInfo) -> Plan:  # noqa: PLR0911
    bad_name = check_output_name(spec.output_name)
    if bad_name:
        return _refused(Plan(index, spec, "failed"), bad_name)
    level = spec.video.level if spec.video and not spec.audio_only else None
    if level is not None and not LEVELS.fullmatch(level):
        return _refused(Plan(index, spec, "failed"), f"invalid level {level[:20]!r}")
    if spec.pack_type in AUDIO_ONLY_PACKS:
        if not info.audio:
            msg = "input has no audio stream"
            return Plan(index, spec, "failed", error_code=ErrorCode.NO_AUDIO, error_msg=msg)
        audio, warnings = _audio_plan(spec.audio or AudioSpec(), spec.pack_type)
        return Plan(index, spec, "encode", audio=audio, warnings=warnings)
    audio_plan, warnings = (
        _audio_plan(spec.audio, spec.pack_type) if spec.audio and info.audio else (None, ())
    )
    if spec.video is None or info.video is None:
        if audio_plan is None:
            code = ErrorCode.NO_VIDEO if spec.video is not None else ErrorCode.NO_AUDIO
            msg = "input has no video stream" if spec.video is not None else "input has no audio stream"
            return Plan(index, spec, "failed", error_code=code, error_msg=msg)
        if spec.video is not None:  # vendor behaviour: an audio-only input gives audio-only outputs
            warnings = (*warnings, "input has no video stream: the output has audio only")
        return Plan(index, spec, "encode", audio=audio_plan, warnings=warnings)
    source_w, source_h = info.video.display_width, info.video.display_height
    width, height = target_size(spec.video, source_w, source_h)
    video_plan = _video_plan(spec.video, info, (width, height))
    if width > source_w or height > source_h:
        msg = f"rendition above source resolution ({width}x{height} > source {source_w}x{source_h})"
        return Plan(index, spec, "skipped", video_plan, audio_plan, ErrorCode.ABOVE_SOURCE, msg, warnings)
    return Plan(index, spec, "encode", video_plan, audio_plan, warnings=warnings)


def plan_renditions(renditions: list[RenditionSpec], info: MediaInfo) -> list[Plan]:
    plans = [_one(i, spec, info) for i, spec in enumerate(renditions)]
    hls = sum(1 for p in plans if p.spec.pack_type in ("HLS", "HLS+DASH"))
    names: set[str] = set()
    files: set[str] = set()
    for i, plan in enumerate(plans):  # names must be unique, and "master" is the master playlist's
        name = plan.spec.output_name
        if plan.status != "failed" and (name in names or (hls > 1 and name == MASTER_NAME)):
            plans[i] = _refused(plan, f"output_name {name!r} is used twice or reserved")
        elif plan.status != "failed" and plan.fixed_files & files:  # e.g. MP4 "a_init", HEVC HLS "a"
            plans[i] = _refused(plan, f"the files of output_name {name!r} clash with another output's")
        names.add(name)
        files |= plans[i].fixed_files if plans[i].status != "failed" else set()
    wanting_video = [p for p in plans if p.video is not None and p.status != "failed"]
    if wanting_video and all(p.status == "skipped" for p in wanting_video) and info.video is not None:
        smallest = min(wanting_video, key=lambda p: p.video.width * p.video.height if p.video else 0)
        assert smallest.video is not None
        step = 2 if smallest.video.codec == "h264" else 4
        source = (info.video.display_width, info.video.display_height)
        size = clamp_size(smallest.video.width, smallest.video.height, *source, step)
        note = f"{smallest.error_msg}: produced at {size[0]}x{size[1]}, the only video output"
        video = replace(smallest.video, width=size[0], height=size[1])
        warnings = (*smallest.warnings, note)
        plans[smallest.index] = replace(smallest, status="clamped", video=video, warnings=warnings)
    return plans


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return f"{value:.6g}"


def _time(value: float) -> str:
    """A time in seconds to the microsecond (``_num``'s 6 digits would round 7199.96 to 7200)."""
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return f"{value:.6f}"


def _video_args(plan: Plan, video: VideoPlan, packaged_fmp4: bool, cut: ChunkCut | None = None) -> list[str]:
    spec = video.spec
    args = ["-c:v", "libx264" if video.codec == "h264" else "libx265", "-preset", spec.preset]
    if video.codec == "h264":
        profile = spec.profile if spec.profile != "main265" else "high"
        bframes = 0 if profile == "baseline" else spec.bframes
        args += ["-profile:v", profile, "-bf", str(bframes), "-g", str(video.gop_frames)]
        args += ["-sc_threshold", "0"]
        args += ["-level:v", spec.level] if spec.level else []
    else:
        params = "scenecut=0:open-gop=0:log-level=error" + (f":level-idc={spec.level}" if spec.level else "")
        args += ["-profile:v", "main", "-bf", str(spec.bframes), "-g", str(video.gop_frames)]
        args += ["-forced-idr", "1", "-x265-params", params]
        args += ["-tag:v", "hvc1"] if packaged_fmp4 else []
    if spec.bitrate_kbps:
        rate = spec.bitrate_kbps
        args += ["-b:v", f"{rate}k", "-maxrate", f"{round(rate * MAXRATE_FACTOR)}k"]
        args += ["-bufsize", f"{round(rate * BUFSIZE_FACTOR)}k"]
    else:
        args += ["-crf", str(CRF[video.codec])]
    interval = _keyframe_interval(plan.spec)
    if cut is not None:  # key frames at the chunk's start and end too, on the source's grid
        every = str(interval) if interval else _time(cut.end - cut.start)
        shift = f"t+{_num(KEY_EPSILON_S)}-{_time(cut.preroll)}"
        args += ["-force_key_frames:v", f"expr:gte({shift},n_forced*{every})"]
    elif interval:
        args += ["-force_key_frames:v", f"expr:gte(t,n_forced*{interval})"]
    return args


def _keyframe_interval(spec: RenditionSpec) -> int | None:
    """Key frames at exact multiples of the segment length, so every segment starts with one."""
    if spec.key_frame_interval:
        return spec.key_frame_interval
    if spec.pack_type == "HLS+DASH":
        return math.gcd(spec.hls_interval, spec.dash_interval)
    return {"HLS": spec.hls_interval, "DASH": spec.dash_interval}.get(spec.pack_type)


def _audio_args(audio: AudioPlan) -> list[str]:
    args = ["-c:a", "aac" if audio.codec == "aac" else "libmp3lame", "-b:a", f"{audio.bitrate_kbps}k"]
    args += ["-ac", str(audio.channels)]
    return args + (["-ar", str(audio.sample_rate)] if audio.sample_rate else [])


def _hls(plan: Plan, start_number: int = 0) -> list[tuple[str, str]]:
    name, spec = plan.spec.output_name, plan.spec
    seg = f"{name}_%03d.m4s" if plan.fmp4 else f"{name}_%03d.ts"
    opts = [("hls_time", str(spec.hls_interval)), ("hls_playlist_type", "vod")]
    opts += [("start_number", str(start_number))] if start_number else []
    opts += [("hls_flags", "independent_segments"), ("hls_segment_type", "fmp4" if plan.fmp4 else "mpegts")]
    opts += [("hls_segment_filename", seg)]
    return opts + ([("hls_fmp4_init_filename", f"{name}_init.mp4")] if plan.fmp4 else [])


def _dash(plan: Plan) -> list[tuple[str, str]]:
    name = plan.spec.output_name
    opts = [("seg_duration", str(plan.spec.dash_interval)), ("use_template", "1"), ("use_timeline", "1")]
    opts.append(("init_seg_name", f"{name}-init-$RepresentationID$.m4s"))
    return [*opts, ("media_seg_name", f"{name}-$RepresentationID$-$Number%05d$.m4s")]


def _flags(opts: list[tuple[str, str]]) -> list[str]:
    return [x for key, value in opts for x in (f"-{key}", value)]


def _output_args(plan: Plan, cut: ChunkCut | None = None) -> list[str]:
    name, pack = plan.spec.output_name, plan.spec.pack_type
    common = ["-map_metadata", "-1", "-map_chapters", "-1", "-max_muxing_queue_size", "1024"]
    common += ["-protocol_whitelist", "file"]
    if cut is not None and pack == "HLS":  # a split task's segments, on the source's timeline
        first = round(cut.start / plan.spec.hls_interval) - (1 if cut.preroll else 0)
        offset = ["-output_ts_offset", _time(cut.start - cut.preroll + SPLIT_TIMELINE_S)]
        opts = _hls(plan, first) + ([("hls_init_time", _num(cut.preroll))] if cut.preroll else [])
        return [*common, *offset, "-f", "hls", *_flags(opts), f"{name}.m3u8"]
    if cut is not None and pack == "MP4":  # a split task's piece: cut at its key frames, extra apart
        span = cut.read[1] - cut.read[0]
        times = [t for t in (cut.preroll, cut.preroll + cut.end - cut.start) if 0 < t < span - 1e-6]
        split = ["-f", "segment", "-segment_format", "mp4", "-reset_timestamps", "1"]
        split += ["-segment_time_delta", "0.005"]  # cut at a key frame standing exactly at the time
        split += ["-segment_times", ",".join(_time(t) for t in times)] if times else []
        return [*common, *split, f"{name}_%d.mp4"]
    if pack == "HLS+DASH":  # encoded once, muxed twice; tee needs the encoders' global headers
        slaves = [("hls", _hls(plan), f"{name}.m3u8"), ("dash", _dash(plan), f"{name}.mpd")]
        specs = [
            "[" + ":".join([f"f={fmt}", *(f"{k}={v}" for k, v in opts)]) + "]" + out
            for fmt, opts, out in slaves
        ]
        return [*common, "-flags", "+global_header", "-f", "tee", "|".join(specs)]
    if pack == "HLS":
        return [*common, "-f", "hls", *_flags(_hls(plan)), f"{name}.m3u8"]
    if pack == "DASH":
        return [*common, "-f", "dash", *_flags(_dash(plan)), f"{name}.mpd"]
    muxer = {"MP4": ["-f", "mp4", "-movflags", "+faststart"], "MP3": ["-f", "mp3"], "ADTS": ["-f", "adts"]}
    return [*common, *muxer[pack], plan.main_file]


def _video_graph(
    videos: list[Plan], info: MediaInfo, watermarks: overlays.Prepared | None, offset_s: float
) -> str:
    """``split`` of the source video into one scale chain per rendition, with the watermarks drawn
    before the split (base input) or after each scale (base output)."""
    assert info.video is not None
    source = f"0:{info.video.index}"
    size = (info.video.display_width, info.video.display_height)
    before = overlays.graph(watermarks, "input", source, "wmin", size, offset_s, "in")
    tags = {"input": ["in"], "output": [str(p.index) for p in videos]}
    statements = [*overlays.image_splits(watermarks, tags), *before]
    labels = "".join(f"[s{p.index}]" for p in videos)
    statements.append(f"[{'wmin' if before else source}]split={len(videos)}{labels}")
    for plan in videos:
        assert plan.video is not None
        steps = [f"fps={_num(plan.video.fps_filter)}"] if plan.video.fps_filter else []
        steps += [f"scale={plan.video.width}:{plan.video.height}", "setsar=1"]
        frame = (plan.video.width, plan.video.height)
        i = plan.index
        after = overlays.graph(watermarks, "output", f"b{i}", f"o{i}", frame, offset_s, str(i))
        if after:
            statements += [f"[s{i}]{','.join(steps)}[b{i}]", *after, f"[o{i}]format=yuv420p[v{i}]"]
        else:
            statements.append(f"[s{i}]{','.join([*steps, 'format=yuv420p'])}[v{i}]")
    return ";".join(statements)


def command(
    target: str,
    whitelist: Literal["file", "http,tcp"],
    plans: list[Plan],
    info: MediaInfo,
    segment: tuple[float, float] | None = None,
    *,
    cut: ChunkCut | None = None,
    split_timeline: bool = False,
    threads: int = 0,
    watermarks: overlays.Prepared | None = None,
) -> list[str]:
    """The argv for the encodable ``plans``; ``target`` is an absolute path or the relay URL.

    ``segment`` encodes only that part of the source; a ``cut`` (a split task's chunk, read with
    its pre-roll and overlap: pass ``cut.read`` as the segment) keeps its HLS outputs on the
    whole source's timeline (timestamps and segment numbers continue where the previous chunk's
    ended), so the chunks of a split task play as one stream. ``split_timeline`` puts the HLS
    outputs of a whole-source encode (a split task's audio) on that same timeline."""
    plans = [p for p in plans if p.encodes]
    if not plans:
        raise ValueError("nothing to encode")
    for plan in plans:
        if check_output_name(plan.spec.output_name):
            raise ValueError("invalid output name")
    argv = [ffmpeg_path(), *COMMON, "-protocol_whitelist", whitelist, "-format_whitelist", MEDIA_DEMUXERS]
    if whitelist != "file":
        argv += ["-rw_timeout", str(HTTP_READ_TIMEOUT_US)]
    elif not Path(target).is_absolute():
        raise ValueError("a local source must be an absolute path")
    threads_args = ["-threads", str(threads)] if threads else []
    argv += threads_args + (["-filter_threads", str(threads)] if threads else [])
    segment = cut.read if cut is not None else segment
    if segment is not None:
        argv += ["-ss", _time(segment[0]), "-to", _time(segment[1])]
    argv += ["-i", target, *overlays.input_args(watermarks)]
    videos = [p for p in plans if p.video is not None]
    if videos:
        argv += ["-filter_complex", _video_graph(videos, info, watermarks, segment[0] if segment else 0.0)]
    for plan in plans:
        if plan.video is not None:
            argv += ["-map", f"[v{plan.index}]"]
            argv += _video_args(plan, plan.video, plan.spec.pack_type != "HLS" or plan.fmp4, cut)
        if plan.audio is not None:
            argv += ["-map", f"0:{info.audio[0].index}", *_audio_args(plan.audio)]
        whole = ChunkCut(0.0, 0.0) if split_timeline and plan.spec.pack_type == "HLS" else None
        argv += threads_args + _output_args(plan, cut or whole)
    return argv
