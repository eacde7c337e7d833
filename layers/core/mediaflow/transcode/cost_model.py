"""How long an encode takes, from the source and the renditions: the measured cost model that
decides between one pass and a split, and sizes the chunks.

Measured on this project's machines (static ffmpeg 6.0, one thread, ``-preset veryfast``, CRF 23,
a 20 s 1080p30 mandelbrot source - detailed, hard to compress - encoded 2026-12-03, user CPU):

    rendition   CPU s per source s   output Mpx/s   s per Mpx (after decode)
    1080p          1.08                 62.2          0.0142
    720p           0.68                 27.6          0.0172
    540p           0.53                 15.6          0.0212
    360p           0.37                  6.9          0.0240
    decode only    0.20  (1080p H.264 at 40 Mbit/s: 0.0032 s per source Mpx)
    AAC audio      0.016 (60x real time, demuxing included)

which the model fits as: per source second = decode (0.0032 x source Mpx/s) + for each video
rendition (0.1 + 0.0125 x its output Mpx/s) x the preset's factor (x264's own relative speeds;
x265 is counted 4x x264 at the same preset, a conservative figure not measured here). A worker
has ``cores`` vCPUs (1,769 MB of Lambda memory is one); x264 threads scale almost linearly on 2.
"""

from __future__ import annotations

from mediaflow.media.models import MediaInfo
from mediaflow.transcode.ffmpeg_args import plan_renditions
from mediaflow.transcode.spec import RenditionSpec

DECODE_S_PER_MPX = 0.0032
RENDITION_BASE_S = 0.1  # scaling, pixel format, per-frame overhead of one output
ENCODE_S_PER_MPX = 0.0125
AUDIO_S_PER_SOURCE_S = 0.016
# A split task's audio part: the source's audio decoded and one AAC encode per shared track or
# audio-only output, per source second (benchmarks/parallel_encode.py: 107 ms per source second
# for the 1080p ladder's two tracks, on the benchmark machine).
AUDIO_ENCODE_S_PER_SOURCE_S = 0.055
PRESET_FACTOR = {"ultrafast": 0.3, "veryfast": 1.0, "faster": 1.5, "fast": 2.0, "medium": 2.5, "slow": 4.0}
CODEC_FACTOR = {"h264": 1.0, "h265": 4.0}
MB_PER_VCPU = 1769


def cores(memory_mb: int) -> float:
    """vCPUs of a Lambda function of this memory size (at least one)."""
    return max(1.0, memory_mb / MB_PER_VCPU)


def cpu_seconds_per_source_second(info: MediaInfo, renditions: list[RenditionSpec]) -> float:
    """One core's seconds to decode one second of the source and encode every video rendition."""
    fps = (info.video.frame_rate if info.video else None) or 25.0
    total = 0.0
    if info.video is not None:
        total += DECODE_S_PER_MPX * info.video.width * info.video.height * fps / 1e6
    for plan in plan_renditions(renditions, info):
        if not plan.encodes or plan.video is None:
            continue
        out_fps = plan.video.fps_filter or fps
        mpx = plan.video.width * plan.video.height * out_fps / 1e6
        factor = PRESET_FACTOR.get(plan.video.spec.preset, 2.5) * CODEC_FACTOR[plan.video.codec]
        total += (RENDITION_BASE_S + ENCODE_S_PER_MPX * mpx) * factor
    if info.audio:
        total += AUDIO_S_PER_SOURCE_S
    return total


def encode_seconds(info: MediaInfo, renditions: list[RenditionSpec], seconds: float, memory_mb: int) -> float:
    """Wall seconds a worker of ``memory_mb`` needs for ``seconds`` of the source."""
    return seconds * cpu_seconds_per_source_second(info, renditions) / cores(memory_mb)
