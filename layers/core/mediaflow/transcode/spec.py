"""What one output of a transcoding task must look like, resolved and ready for the engine.

Templates (system presets, custom templates, template groups, ``av_parameters``) are all turned
into ``RenditionSpec`` before encoding, so the engine knows nothing about where a setting came
from. Zero means "automatic / from the source", as in MPC templates.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

PackType = Literal["HLS", "DASH", "HLS+DASH", "MP4", "MP3", "ADTS"]
AUDIO_ONLY_PACKS: frozenset[str] = frozenset({"MP3", "ADTS"})


class VideoSpec(BaseModel):
    codec: Literal["h264", "h265"] = "h264"
    width: int = Field(0, ge=0, le=4096)  # 0: from height and the source aspect ratio
    height: int = Field(0, ge=0, le=2880)  # 0 and 0: the source size
    bitrate_kbps: int = Field(0, ge=0, le=50000)  # 0: quality-based (CRF)
    profile: Literal["baseline", "main", "high", "main265"] = "high"
    level: str | None = None  # e.g. "4.0"; None: let the encoder choose
    preset: Literal["ultrafast", "veryfast", "faster", "fast", "medium", "slow"] = "veryfast"
    gop_seconds: float = Field(5, ge=2, le=10)  # MPC max_iframes_interval
    bframes: int = Field(3, ge=0, le=7)
    frame_rate: float = Field(0, ge=0, le=60)  # 0: the source rate; never above it


class AudioSpec(BaseModel):
    codec: Literal["aac", "heaac1", "heaac2", "mp3"] = "aac"
    sample_rate: int = Field(0, ge=0, le=96000)  # 0: the source rate
    bitrate_kbps: int = Field(0, ge=0, le=1000)  # 0: the codec's default for the channels
    channels: int = Field(2, ge=1, le=6)


class RenditionSpec(BaseModel):
    template_id: int
    pack_type: PackType = "MP4"
    video: VideoSpec | None = None  # None: no video in this output (audio-only packs)
    audio: AudioSpec | None = Field(default_factory=AudioSpec)  # None: no audio
    hls_interval: int = Field(5, ge=2, le=10)  # HLS segment length, seconds
    dash_interval: int = Field(5, ge=2, le=10)  # DASH segment length, seconds
    output_name: str = Field(min_length=1, max_length=180)  # file name without extension
    # Key frames forced every N s whatever the pack type: set only on the chunks of a split task,
    # whose MP4 pieces must keep the key frame grid of the DASH output they are joined into.
    key_frame_interval: int | None = Field(None, ge=1, le=10)

    @property
    def audio_only(self) -> bool:
        return self.video is None or self.pack_type in AUDIO_ONLY_PACKS
