"""``POST /v1/{project_id}/thumbnails``: the request (``CreateThumbReq`` of the MPC SDK), its
validation, and which time points a request asks for.

Field semantics follow the SDK's ``ThumbnailPara``: ``type`` TIME (a picture every ``time``
seconds from ``start_time`` for ``duration`` seconds or to the end; default 12 s from 0 to the end),
DOTS (``dots``: up to 10 time points in seconds) or DOTS_MS (``dots_ms``: one point in ms, the
synchronous form); ``format`` 1 = jpg (MPC's only value) and 2 = png (Mediaflow's), also spelt
"jpg"/"png"; ``width`` (96, 3840] and ``height`` (96, 2160] (a box: the picture fits inside it),
else ``max_length`` [240, 3840] for the long side, else the source size. ``tar`` 0 packs the
pictures into one .tar, 1 (the default) leaves them loose; ``sync`` 1 answers a single point in
the create call; ``original_dir`` 0 (the default) writes into ``<output>/<task_id>/`` so that two
tasks never overwrite each other's pictures, 1 into the output directory itself.

``sprite`` (a Mediaflow extension inside ``thumbnail_para``, named like MPC's ``ImageSpritePara``):
the pictures are also tiled into sheets of ``column_count`` x ``row_count`` tiles ``width`` pixels
wide, with a WebVTT track whose cues point at each tile (``sheet.jpg#xywh=x,y,w,h``).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mediaflow.transcode.locations import ObsObjInfo

MAX_DOTS = 10
MAX_PICTURES = 1000  # TIME sampling beyond this is refused (raise ``time`` or shorten ``duration``)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class SpritePara(BaseModel):
    """The sprite-sheet extension (``thumbnail_para.sprite``)."""

    model_config = ConfigDict(extra="forbid")

    column_count: int = Field(10, ge=1, le=20)
    row_count: int = Field(10, ge=1, le=20)
    width: int = Field(160, ge=32, le=1280, description="tile width in pixels (height from the aspect ratio)")
    format: Literal["jpg", "png"] | None = Field(None, description="default: the pictures' format")

    @model_validator(mode="after")
    def _tiles(self) -> SpritePara:
        if self.column_count * self.row_count > 100:
            raise ValueError("column_count x row_count must not exceed 100 tiles")
        return self


class ThumbnailPara(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["TIME", "DOTS", "DOTS_MS"] = "TIME"
    time: int = Field(12, ge=1, le=36000, description="TIME: seconds between pictures")
    start_time: int = Field(0, ge=0, le=360000)
    duration: int | Literal["ToEND"] = Field("ToEND", description="TIME: seconds from start_time, or ToEND")
    dots: list[int] | None = Field(None, max_length=MAX_DOTS)
    dots_ms: list[int] | None = Field(None, max_length=1)
    output_filename: str | None = Field(None, max_length=128)
    format: int | Literal["jpg", "png"] = Field(1, description="1 = jpg, 2 = png")
    width: int = Field(0, ge=0, le=3840)
    height: int = Field(0, ge=0, le=2160)
    max_length: int | None = Field(None, ge=240, le=3840)
    sprite: SpritePara | None = None

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 0:
            raise ValueError("duration must be >= 0 or ToEND")
        return value

    @field_validator("dots", "dots_ms")
    @classmethod
    def _points(cls, value: list[int] | None) -> list[int] | None:
        if value is not None and any(v < 0 for v in value):
            raise ValueError("time points must be >= 0")
        return value

    @field_validator("output_filename")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and (not _NAME.match(value) or ".." in value):
            raise ValueError("output_filename allows letters, digits, '.', '_' and '-' (no paths)")
        return value

    @field_validator("format")
    @classmethod
    def _format(cls, value: int | str) -> int | str:
        if value not in (1, 2, "jpg", "png"):
            raise ValueError("format must be 1 (jpg) or 2 (png)")
        return value

    @field_validator("width")
    @classmethod
    def _width(cls, value: int) -> int:
        if value and value <= 96:
            raise ValueError("width must be 0 or in (96, 3840]")
        return value

    @field_validator("height")
    @classmethod
    def _height(cls, value: int) -> int:
        if value and value <= 96:
            raise ValueError("height must be 0 or in (96, 2160]")
        return value

    @model_validator(mode="after")
    def _type(self) -> ThumbnailPara:
        if self.type == "DOTS" and not self.dots:
            raise ValueError("type DOTS needs dots (1 to 10 time points in seconds)")
        if self.type == "DOTS_MS" and not self.dots_ms:
            raise ValueError("type DOTS_MS needs dots_ms (one time point in milliseconds)")
        return self

    @property
    def extension(self) -> Literal["jpg", "png"]:
        return "png" if self.format in (2, "png") else "jpg"


class CreateThumbReq(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: ObsObjInfo
    output: ObsObjInfo
    thumbnail_para: ThumbnailPara
    user_data: str | None = Field(None, max_length=1024)
    tar: Literal[0, 1] = Field(1, description="0: pack the pictures into one .tar; 1 (default): loose")
    sync: Literal[0, 1] = Field(0, description="1: a single time point, answered by this call")
    original_dir: Literal[0, 1] = Field(
        0, description="0: write into <output>/<task_id>/; 1: the output itself"
    )

    @model_validator(mode="after")
    def _sync(self) -> CreateThumbReq:
        if self.sync:
            single = (self.thumbnail_para.type == "DOTS" and len(self.thumbnail_para.dots or []) == 1) or (
                self.thumbnail_para.type == "DOTS_MS"
            )
            if not single:
                raise ValueError("sync takes a single time point: type DOTS with one dot, or DOTS_MS")
            if self.thumbnail_para.sprite is not None:
                raise ValueError("sync does not make sprite sheets")
        return self


def points_ms(para: ThumbnailPara, duration_s: float) -> list[int]:
    """The requested time points in milliseconds, ascending and distinct (TIME: on its grid
    within the source; DOTS/DOTS_MS as given). Raises ValueError naming the field at fault."""
    duration_ms = int(duration_s * 1000)
    if para.type == "DOTS_MS":
        wanted = list(para.dots_ms or [])
    elif para.type == "DOTS":
        wanted = [d * 1000 for d in para.dots or []]
    else:
        start = para.start_time * 1000
        if start >= duration_ms:
            raise ValueError(f"start_time {para.start_time} s is beyond the source's {duration_s:.3f} s")
        span = duration_ms - start if para.duration in ("ToEND", 0) else int(para.duration) * 1000
        end = min(duration_ms, start + span)
        count = -(-(end - start) // (para.time * 1000))  # ceil
        if count > MAX_PICTURES:
            raise ValueError(f"TIME gives {count} pictures, more than {MAX_PICTURES}: raise time")
        wanted = list(range(start, end, para.time * 1000))
    late = [w for w in wanted if w >= duration_ms]
    if late:
        field = "dots_ms" if para.type == "DOTS_MS" else "dots"
        raise ValueError(f"{field}: {late[0] / 1000:g} s is beyond the source's {duration_s:.3f} s")
    return sorted(set(wanted))


def picture_names(para: ThumbnailPara, stem: str, times_ms: list[int]) -> list[str]:
    """MPC's naming: one picture is ``<output_filename>.<ext>``; several get the time point
    appended (``<name>_<seconds>.<ext>``, milliseconds when a point is not a whole second)."""
    ext = para.extension
    name = para.output_filename or (re.sub(r"[^A-Za-z0-9_-]", "_", stem)[:80] or "snapshot")
    if len(times_ms) == 1:
        return [name if name.endswith(f".{ext}") else f"{name}.{ext}"]
    base = name.removesuffix(f".{ext}")
    return [f"{base}_{t // 1000 if t % 1000 == 0 else f'{t}ms'}.{ext}" for t in times_ms]


def tar_name(para: ThumbnailPara, stem: str) -> str:
    name = para.output_filename or (re.sub(r"[^A-Za-z0-9_-]", "_", stem)[:80] or "snapshot")
    return name.removesuffix(f".{para.extension}").removesuffix(".tar") + ".tar"
