"""System (preset) transcoding templates: stable integer ids 1-999, shown and used like custom ones.

Huawei MPC has system templates but publishes no list of them, so Mediaflow defines its own.
Ids are ``<codec><rung><pack>``: codec 1 H.264 / 2 H.265, rung 1..6 (360p, 540p, 720p, 1080p,
1440p, 2160p), pack = MPC pack_type (1 HLS, 2 DASH, 4 MP4); audio-only presets are ``9<pack><n>``.
Ids and names never change once published; new presets take new ids. Custom templates start at
100000, and their names may not start with ``sys_``.

Video bitrates come from Apple's "HLS Authoring Specification for Apple Devices", item 1.25
(https://developer.apple.com/documentation/http-live-streaming/hls-authoring-specification-for-apple-devices),
16:9 average bit rates in kbit/s:

    H.264/AVC:  416x234 145 | 640x360 365 | 768x432 730, 1100 | 960x540 2000 | 1280x720 3000, 4500 |
                1920x1080 6000, 7800
    HEVC (SDR): 640x360 145 | 768x432 300 | 960x540 600, 900, 1600 | 1280x720 2400, 3400 |
                1920x1080 4500, 5800 | 2560x1440 8100 | 3840x2160 11600, 16800

Each preset takes the highest rung Apple lists for its height (the lower rungs are bandwidth steps
of an ABR ladder, which a single-rendition template does not need), except 2160p, which takes
11600 to honour item 1.34 ("some UHD variants SHOULD be less than or equal to 15 Mbit/s"). Apple's
480p-class rung is 960x540, so the "480p" step is 540p. Apple lists no H.264 above 1080p: those two
are the HEVC values times the table's own H.264/HEVC ratio at 1080p (7800/5800): 8100 -> 10900 and
11600 -> 15600. (Apple limits H.264 for its devices to High profile level 4.2, item 1.3, so the
H.264 1440p/2160p presets are for other players.)

Other settings, same source: High profile for H.264 (1.4), Main for HEVC; a key frame every 2 s
(1.13, ``max_iframes_interval`` 2); 6 s segments (7.5, ``hls_interval``/``dash_interval`` 6);
frame rate capped at 30 where Apple's rung says "<= 30 fps" (360p), the source rate otherwise;
level left to the encoder, which picks the lowest that fits (1.11); width 0, so the source aspect
ratio is kept (16:9 sources get exactly Apple's sizes). Audio: AAC-LC stereo 48 kHz within Apple's
32-160 kbit/s for stereo AAC (2.9): 96 kbit/s up to 540p, 128 kbit/s above; 5.1 AAC at 320 kbit/s
(2.9). MP3: 128 kbit/s and 320 kbit/s, the MPEG-1 Layer III maximum, at 44.1 kHz. HEVC in HLS must
be packaged as fMP4 segments (1.5); that is the engine's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mediaflow.transcode.templates import (
    AudioSettings,
    CommonSettings,
    Template,
    VideoSettings,
    validated,
)

SYSTEM_IDS = range(1, 1000)
SEGMENT_SECONDS = 6  # Apple 7.5
KEYFRAME_SECONDS = 2  # Apple 1.13


@dataclass(frozen=True)
class Rung:
    label: str
    height: int
    h264_kbps: int
    h265_kbps: int
    max_fps: int  # 0: same as source
    audio_kbps: int


# label, height, H.264 kbit/s, HEVC kbit/s, frame-rate cap, AAC kbit/s (see the module docstring)
LADDER: tuple[Rung, ...] = (
    Rung("360p", 360, 365, 145, 30, 96),
    Rung("540p", 540, 2000, 1600, 0, 96),
    Rung("720p", 720, 4500, 3400, 0, 128),
    Rung("1080p", 1080, 7800, 5800, 0, 128),
    Rung("1440p", 1440, 10900, 8100, 0, 128),  # H.264 derived: 8100 * 7800 / 5800
    Rung("2160p", 2160, 15600, 11600, 0, 128),  # H.264 derived: 11600 * 7800 / 5800
)
VideoPack = Literal[1, 2, 4]
VIDEO_PACKS: dict[VideoPack, str] = {1: "hls", 2: "dash", 4: "mp4"}
CODECS: dict[Literal[1, 2], str] = {1: "h264", 2: "h265"}


def _video_preset(codec: Literal[1, 2], rung: Rung, pack: VideoPack) -> Template:
    return Template(
        template_name=f"sys_{CODECS[codec]}_{VIDEO_PACKS[pack]}_{rung.label}",
        video=VideoSettings(
            codec=codec,
            bitrate=rung.h264_kbps if codec == 1 else rung.h265_kbps,
            profile=3 if codec == 1 else 4,
            max_iframes_interval=KEYFRAME_SECONDS,
            frame_rate=rung.max_fps,
            height=rung.height,
        ),
        audio=AudioSettings(codec=1, sample_rate=5, bitrate=rung.audio_kbps, channels=2),
        common=CommonSettings(
            hls_interval=SEGMENT_SECONDS,
            dash_interval=SEGMENT_SECONDS,
            pack_type=pack,
        ),
    )


def _audio_preset(
    name: str,
    pack: Literal[5, 6],
    codec: Literal[1, 4],
    rate: Literal[4, 5],
    kbps: int,
    channels: Literal[2, 6],
) -> Template:
    return Template(
        template_name=name,
        audio=AudioSettings(codec=codec, sample_rate=rate, bitrate=kbps, channels=channels),
        common=CommonSettings(pack_type=pack),
    )


def _build() -> dict[int, Template]:
    presets: dict[int, Template] = {}
    for codec in CODECS:
        for index, rung in enumerate(LADDER, start=1):
            for pack in VIDEO_PACKS:
                presets[codec * 100 + index * 10 + pack] = _video_preset(codec, rung, pack)
    presets[961] = _audio_preset("sys_aac_adts_128k", 6, 1, 5, 128, 2)
    presets[962] = _audio_preset("sys_aac_adts_5_1_320k", 6, 1, 5, 320, 6)
    presets[951] = _audio_preset("sys_mp3_128k", 5, 4, 4, 128, 2)
    presets[952] = _audio_preset("sys_mp3_320k", 5, 4, 4, 320, 2)
    return {template_id: validated(t) for template_id, t in sorted(presets.items())}


PRESETS: dict[int, Template] = _build()


def is_system_id(template_id: int) -> bool:
    return template_id in SYSTEM_IDS


def get(template_id: int) -> Template | None:
    return PRESETS.get(template_id)


def all_presets() -> list[tuple[int, Template]]:
    return list(PRESETS.items())
