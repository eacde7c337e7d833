"""MPC transcoding templates: the model, its rules, and the conversion to ``RenditionSpec``.

Field names, codes and ranges are Huawei MPC's (``/v1/{project_id}/template/transcodings``):

- ``video``: output_policy transcode|discard; codec 1 H.264, 2 H.265; bitrate 0 (auto) or
  [40, 30000] kbit/s; profile 1 H264_BASE, 2 H264_MAIN, 3 H264_HIGH (H.264 only), 4 H265_MAIN (H.265
  only), default 3/4 by codec; level 1..15 (1.0, 1.1, 1.2, 1.3, 2.0, 2.1, 2.2, 3.0, 3.1, 3.2, 4.0,
  4.1, 4.2, 5.0, 5.1), omitted = the encoder picks the lowest level that fits; preset 1 SPEED
  (default), 3 HIGHQUALITY, 4 QUALITY, 5 BALANCE; max_iframes_interval [2, 10] s (default 5);
  bframes_count [0, 7] (default 4 for H.264, 7 for H.265); frame_rate 0 (source) or [5, 60] - any
  other value becomes 0, as MPC documents; width 0 or H.264 [32, 4096] even / H.265 [160, 4096]
  multiple of 4; height 0 or H.264 [32, 2880] even / H.265 [96, 2880] multiple of 4; black_cut 0/1/2.
- ``audio``: output_policy; codec 1 AAC, 2 HEAAC1, 3 HEAAC2, 4 MP3; sample_rate 1 AUTO, 2 22050,
  3 32000, 4 44100, 5 48000, 6 96000; bitrate 0 or [8, 1000] kbit/s; channels 1, 2, 6 (required).
- ``common``: PVC bool; hls_interval / dash_interval [2, 10] s (default 5); pack_type (required)
  1 HLS, 2 DASH, 3 HLS+DASH, 4 MP4, 5 MP3, 6 ADTS. 5 and 6 are audio only: no video parameters.
- ``template_name``: required, 1-128 characters, ASCII letters, digits and underscore only (the MPC
  console rule; it also keeps names safe inside keys). Names starting ``sys_`` are the system
  presets' (see ``presets``); custom templates may not use that prefix.

Defaults Mediaflow fills in, so a stored template always shows what will be encoded: an omitted
``video`` (video packs) is ``{}`` with the defaults above, an omitted ``audio`` is AAC, automatic
sample rate and bitrate, stereo. Rules Mediaflow adds because the encoders cannot do otherwise:
both output policies discard is invalid (MPC), an audio-only pack cannot discard its audio, MP3
pack needs codec 4 and ADTS an AAC codec (1-3), MP3 has at most 2 channels and 48 kHz, HE-AAC v2 is
stereo only. ``black_cut`` and ``PVC`` are stored and shown but not applied by the engine.

Field ranges are checked by pydantic (they reach the caller through the API's validation mapping
as ``MPC.10202 Invalid request parameter: <field>: <reason>``); rules that span fields raise
``TemplateError(field, reason)`` from ``validated`` and are answered the same way.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field
from pydantic.json_schema import JsonDict

from mediaflow.transcode.spec import AudioSpec, PackType, RenditionSpec, VideoSpec

NAME_MAX = 128
NAME_RULE = "1-128 characters: ASCII letters, digits and underscore"
_NAME = re.compile(r"[A-Za-z0-9_]{1,128}")
NAME_PATTERN = f"^{_NAME.pattern}$"  # the same rule, for the OpenAPI document
SYSTEM_PREFIX = "sys_"

H264: Literal[1] = 1
H265: Literal[2] = 2
PACK_TYPES: dict[int, PackType] = {1: "HLS", 2: "DASH", 3: "HLS+DASH", 4: "MP4", 5: "MP3", 6: "ADTS"}
AUDIO_ONLY_PACKS = frozenset({5, 6})
PROFILES: dict[int, Literal["baseline", "main", "high", "main265"]] = {
    1: "baseline",
    2: "main",
    3: "high",
    4: "main265",
}
# MPC level 1..15 (1 = 1.0 ... 8 = 3.0 ... 15 = 5.1); fifteen items read better on one line
LEVELS = "1.0 1.1 1.2 1.3 2.0 2.1 2.2 3.0 3.1 3.2 4.0 4.1 4.2 5.0 5.1".split()  # noqa: SIM905
# HEVC has no 1.1-1.3, 2.2, 3.2 or 4.2: those MPC levels become the next HEVC level up.
_HEVC_LEVEL = {"1.1": "2.0", "1.2": "2.0", "1.3": "2.0", "2.2": "3.0", "3.2": "4.0", "4.2": "5.0"}
# MPC presets -> x264/x265 presets: SPEED favours turnaround, HIGHQUALITY compression.
PRESETS: dict[int, Literal["veryfast", "fast", "medium", "slow"]] = {
    1: "veryfast",  # SPEED
    3: "slow",  # HIGHQUALITY
    4: "medium",  # QUALITY
    5: "fast",  # BALANCE
}
AUDIO_CODECS: dict[int, Literal["aac", "heaac1", "heaac2", "mp3"]] = {
    1: "aac",
    2: "heaac1",
    3: "heaac2",
    4: "mp3",
}
SAMPLE_RATES = {1: 0, 2: 22050, 3: 32000, 4: 44100, 5: 48000, 6: 96000}


class TemplateError(ValueError):
    """A template breaks a rule that spans fields; ``field`` is the dotted path of the culprit."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def zero_or_schema(low: int, high: int, step: int = 1) -> Any:
    """For the OpenAPI document: 0, or a value within [low, high] (a multiple of ``step``)."""
    within: JsonDict = {"minimum": low, "maximum": high}
    if step > 1:
        within["multipleOf"] = step
    return Field(json_schema_extra={"anyOf": [{"const": 0}, within]})


def zero_or(low: int, high: int) -> AfterValidator:
    def check(value: int) -> int:
        if value != 0 and not low <= value <= high:
            raise ValueError(f"must be 0 or within [{low}, {high}]")
        return value

    return AfterValidator(check)


def _frame_rate(value: object) -> object:
    """MPC: a frame rate outside 0 or [5, 60] is changed to 0 (the source rate)."""
    if isinstance(value, int) and not isinstance(value, bool) and not (value == 0 or 5 <= value <= 60):
        return 0
    return value


def is_reserved(name: str) -> bool:
    """System presets own the ``sys_`` prefix (any case); custom templates may not use it."""
    return name.lower().startswith(SYSTEM_PREFIX)


def check_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"must be {NAME_RULE}")
    return value


TemplateName = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX, json_schema_extra={"pattern": NAME_PATTERN}),
    AfterValidator(check_name),
]
Policy = Literal["transcode", "discard"]


VideoBitrate = Annotated[int, zero_or(40, 30000), zero_or_schema(40, 30000)]
# 0 keeps the source's; H.264 takes even sizes from 32, H.265 multiples of 4 from 160 (width) / 96
# (height): the document states the sizes both take.
Width = Annotated[int, Field(ge=0, le=4096), zero_or_schema(160, 4096, 4)]
Height = Annotated[int, Field(ge=0, le=2880), zero_or_schema(96, 2880, 4)]


class VideoCommon(BaseModel):
    """The video settings a template group shares between its renditions (MPC ``video_common``)."""

    output_policy: Policy = "transcode"
    codec: Literal[1, 2] = H264
    profile: Literal[1, 2, 3, 4] | None = None
    level: int | None = Field(None, ge=1, le=15)
    preset: Literal[1, 3, 4, 5] = 1
    max_iframes_interval: int = Field(5, ge=2, le=10)
    bframes_count: int | None = Field(None, ge=0, le=7)
    frame_rate: Annotated[int, BeforeValidator(_frame_rate)] = 0
    black_cut: Literal[0, 1, 2] = 0


class VideoSettings(VideoCommon):
    bitrate: VideoBitrate = 0
    width: Width = 0
    height: Height = 0


class AudioSettings(BaseModel):
    output_policy: Policy = "transcode"
    codec: Literal[1, 2, 3, 4] = 1
    sample_rate: Literal[1, 2, 3, 4, 5, 6] = 1
    bitrate: Annotated[int, zero_or(8, 1000), zero_or_schema(8, 1000)] = 0
    channels: Literal[1, 2, 6]


class CommonSettings(BaseModel):
    PVC: bool = False
    hls_interval: int = Field(5, ge=2, le=10)
    dash_interval: int = Field(5, ge=2, le=10)
    pack_type: Literal[1, 2, 3, 4, 5, 6]


class Template(BaseModel):
    """One MPC transcoding template (the body of POST, and ``template`` in GET answers)."""

    template_name: TemplateName
    video: VideoSettings | None = None
    audio: AudioSettings | None = None
    common: CommonSettings

    @property
    def audio_only(self) -> bool:
        return self.common.pack_type in AUDIO_ONLY_PACKS

    def view(self) -> dict[str, object]:
        """The JSON shape MPC shows; unset optional values (auto level, no video) are left out."""
        return self.model_dump(mode="json", exclude_none=True)


def _dimension(video: VideoSettings, name: str, value: int) -> None:
    if value == 0:
        return
    if video.codec == H264:
        low, high = (32, 4096) if name == "width" else (32, 2880)
        if not low <= value <= high or value % 2:
            raise TemplateError(f"video.{name}", f"H.264 needs 0 or an even number within [{low}, {high}]")
        return
    low, high = (160, 4096) if name == "width" else (96, 2880)
    if not low <= value <= high or value % 4:
        raise TemplateError(f"video.{name}", f"H.265 needs 0 or a multiple of 4 within [{low}, {high}]")


def _check_video(video: VideoSettings) -> VideoSettings:
    h265 = video.codec == H265
    if video.profile is not None and (video.profile == 4) != h265:
        allowed = "4 (H265_MAIN)" if h265 else "1, 2 or 3 (H264_BASE/MAIN/HIGH)"
        raise TemplateError("video.profile", f"codec {video.codec} takes profile {allowed}")
    _dimension(video, "width", video.width)
    _dimension(video, "height", video.height)
    return video.model_copy(
        update={
            "profile": video.profile or (4 if h265 else 3),
            "bframes_count": video.bframes_count if video.bframes_count is not None else (7 if h265 else 4),
        }
    )


def _check_audio(audio: AudioSettings, pack_type: int) -> None:
    if pack_type == 5 and audio.codec != 4:
        raise TemplateError("audio.codec", "pack_type 5 (MP3) needs codec 4 (MP3)")
    if pack_type == 6 and audio.codec == 4:
        raise TemplateError("audio.codec", "pack_type 6 (ADTS) needs an AAC codec (1, 2 or 3)")
    if audio.codec == 4 and audio.channels > 2:
        raise TemplateError("audio.channels", "MP3 carries at most 2 channels")
    if audio.codec == 4 and audio.sample_rate == 6:
        raise TemplateError("audio.sample_rate", "MP3 goes up to 48000 Hz (5)")
    if audio.codec == 3 and audio.channels != 2:
        raise TemplateError("audio.channels", "HE-AAC v2 (codec 3) is stereo only: channels 2")


def validated(template: Template) -> Template:
    """Apply the cross-field rules and fill the codec-dependent defaults; raises ``TemplateError``."""
    pack = template.common.pack_type
    video, audio = template.video, template.audio
    if pack in AUDIO_ONLY_PACKS:
        given = video.model_fields_set if video is not None else set()
        transcoding = video is not None and video.output_policy == "transcode"
        if given - {"output_policy"} or (given and transcoding):
            raise TemplateError(
                "video", f"pack_type {pack} ({PACK_TYPES[pack]}) is audio only: no video parameters"
            )
        video = None
        if audio is not None and audio.output_policy == "discard":
            raise TemplateError(
                "audio.output_policy", f"pack_type {pack} is audio only: audio cannot be discarded"
            )
    else:
        video = _check_video(video or VideoSettings())
        if video.output_policy == "discard" and audio is not None and audio.output_policy == "discard":
            raise TemplateError("video.output_policy", "video and audio cannot both be discard")
    audio = audio or AudioSettings(channels=2)
    _check_audio(audio, pack)
    return template.model_copy(update={"video": video, "audio": audio})


def _level(video: VideoSettings) -> str | None:
    if video.level is None:
        return None
    level = LEVELS[video.level - 1]
    return _HEVC_LEVEL.get(level, level) if video.codec == H265 else level


def to_spec(template_id: int, template: Template, output_name: str) -> RenditionSpec:
    """What the engine encodes for one output of this template (discarded tracks become None)."""
    checked = validated(template)
    video, audio, common = checked.video, checked.audio, checked.common
    video_spec = None
    if video is not None and video.output_policy == "transcode":
        video_spec = VideoSpec(
            codec="h265" if video.codec == H265 else "h264",
            width=video.width,
            height=video.height,
            bitrate_kbps=video.bitrate,
            profile=PROFILES[video.profile or 3],
            level=_level(video),
            preset=PRESETS[video.preset],
            gop_seconds=video.max_iframes_interval,
            bframes=video.bframes_count or 0,
            frame_rate=video.frame_rate,
        )
    audio_spec = None
    if audio is not None and audio.output_policy == "transcode":
        audio_spec = AudioSpec(
            codec=AUDIO_CODECS[audio.codec],
            sample_rate=SAMPLE_RATES[audio.sample_rate],
            bitrate_kbps=audio.bitrate,
            channels=audio.channels,
        )
    return RenditionSpec(
        template_id=template_id,
        pack_type=PACK_TYPES[common.pack_type],
        video=video_spec,
        audio=audio_spec,
        hls_interval=common.hls_interval,
        dash_interval=common.dash_interval,
        output_name=output_name,
    )
