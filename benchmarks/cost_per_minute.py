"""Dollars per output minute of the 4-rung H.264 ladder (1080p/720p/540p/360p HLS, system presets
141/131/121/111), from measured compute, against AWS Elemental MediaConvert's list price for the
same outputs. Target: at most one fifth of it.

Measured: a few 12 s chunks of a 1080p30 generated source (a pattern under camera-like noise: hard
to encode) encoded as the transcoding worker does (``chunk_media``, two ffmpeg threads: the worker
has 3,538 MB, two vCPUs) and the audio parts (one per audio setting); billed GB-seconds = wall x
3.538 GB, priced at Lambda's x86 on-demand rate in us-east-1 ($0.0000166667 per GB-second). One
source minute gives four output minutes.

MediaConvert (https://aws.amazon.com/mediaconvert/pricing/, on-demand, us-east-1, Basic tier, AVC,
per output minute, as listed in 2024 - not re-read from this machine, which has no web access):
SD (below 720p) $0.0075, HD (720p-1080p) $0.015. The ladder is two HD and two SD outputs: $0.045
per source minute, $0.01125 per output minute. Exits 1 when the target is missed.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from parallel_encode import CLIPS, hd_source, measure_chunks

WORKER_GB = 3538 / 1024
PRICE_PER_GB_S = 0.0000166667
MEDIACONVERT_PER_SOURCE_MINUTE = 2 * 0.015 + 2 * 0.0075  # 1080p, 720p (HD) + 540p, 360p (SD)
OUTPUTS = 4
TARGET = 1 / 5


def main() -> int:
    CLIPS.mkdir(parents=True, exist_ok=True)
    measured = measure_chunks(hd_source())
    video_s = measured["chunk_wall"] / measured["chunk_s"]  # worker seconds per source second
    # every audio part is billed: the ladder's audio settings are a part each (one of them timed)
    audio_s = measured["audio_per_s"] * measured["audio_parts"]
    gb_s_per_minute = 60 * (video_s + audio_s) * WORKER_GB
    ours = gb_s_per_minute * PRICE_PER_GB_S / OUTPUTS
    theirs = MEDIACONVERT_PER_SOURCE_MINUTE / OUTPUTS
    ratio = ours / theirs
    print(f"measured: {video_s:.2f} worker s (video) + {audio_s:.3f} (audio) per source second")
    print(f"  = {gb_s_per_minute:.0f} GB-s per source minute = ${ours:.5f} per output minute")
    print(f"MediaConvert Basic (list): ${theirs:.5f} per output minute")
    verdict = "MET" if ratio <= TARGET else "MISSED"
    print(f"ratio {ratio:.3f} (target <= {TARGET:.2f}): {verdict}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
