"""Watermarks on ``POST /v1/{project_id}/transcodings`` (``watermarks[]``, at most 20) and the
watermark template body, as the MPC SDK names them (``WatermarkRequest``, ``ImageWatermark``,
``TextWatermark``, ``WatermarkTemplate``), resolved into ``overlays.WatermarkSpec`` when the task
is created (editing a template later changes no queued task).

- image: ``input`` (an image object of the project: png, jpg/jpeg, webp or bmp, at most 10 MiB)
  with ``template_id`` or an inline ``image_watermark`` (``image_process`` Original, Grayed,
  Transparent - half opacity);
- text: ``text_context`` (Base64 of UTF-8, at most 256 characters once decoded) with
  ``text_watermark`` (``font_size`` 4-120 px, ``font_color`` one of MPC's eleven names,
  ``font_name`` fzyouh - MPC's only font, drawn with the bundled DejaVu Sans - or DejaVuSans).

Numbers come as strings, as MPC sends them: ``dx``/``dy`` pixels [0, 4096] or a ratio (0, 1)
with at most 4 decimals (more are dropped), ``width``/``height`` pixels [8, 4096] or a ratio;
``timeline_start`` seconds, ``timeline_duration`` seconds or ``ToEND``; ``base`` input/output.
``random_time_min``/``random_time_max`` (a watermark that moves) are refused: not supported.
"""

from __future__ import annotations

import base64
import binascii
import re
from pathlib import PurePosixPath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mediaflow.api.mpc_errors import invalid
from mediaflow.errors import ApiError, NotFound
from mediaflow.storage import keys, objects
from mediaflow.transcode.overlays import COLOURS, Length, WatermarkSpec

MAX_WATERMARKS = 20
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_TEXT_CHARS = 256
IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".webp", ".bmp")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
Position = Literal["TopRight", "TopLeft", "BottomRight", "BottomLeft"]


class Placement(BaseModel):
    """Fields every watermark shares (MPC's ``BasicWatermark`` plus ``base``)."""

    model_config = ConfigDict(extra="forbid")

    dx: str | None = None
    dy: str | None = None
    referpos: Position | None = None
    timeline_start: str | None = None
    timeline_duration: str | None = None
    random_time_min: str | None = None
    random_time_max: str | None = None
    base: Literal["input", "output"] | None = None


class ImageWatermark(Placement):
    image_process: Literal["Original", "Grayed", "Transparent"] | None = None
    width: str | None = None
    height: str | None = None


class TextWatermark(Placement):
    font_name: Literal["fzyouh", "DejaVuSans"] | None = None
    font_size: int | None = Field(None, ge=4, le=120)
    font_color: str | None = None


class WatermarkTemplate(ImageWatermark):
    """The body of ``POST``/``PUT .../template/watermark`` (``template_id`` only on PUT)."""

    template_name: str = Field(min_length=1, max_length=128)
    type: Literal["Image"] = "Image"
    template_id: int | None = None


class ObsImage(BaseModel):
    bucket: str = Field(min_length=1, max_length=63)
    location: str = Field(min_length=1, max_length=64)
    object: str = Field(min_length=1, max_length=1024)
    file_name: str | None = None


class WatermarkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: ObsImage | None = None
    template_id: str | None = Field(None, max_length=20)
    text_context: str | None = Field(None, max_length=2048)
    image_watermark: ImageWatermark | None = None
    text_watermark: TextWatermark | None = None


def length(value: str | None, field: str, low: int, high: int) -> Length | None:
    """MPC's "integer pixels or decimal ratio" string; None when absent or empty."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if not _NUMBER.match(text):
        raise invalid(f"{field} must be pixels [{low}, {high}] or a ratio in (0, 1)")
    if "." in text:
        whole, decimals = text.split(".")
        number = float(f"{whole}.{decimals[:4]}")
        if number >= 1 and float(decimals or 0) == 0:
            return _pixels(int(whole), field, low, high)
        if not 0 < number < 1:
            raise invalid(f"{field} must be pixels [{low}, {high}] or a ratio in (0, 1)")
        return Length(value=number, ratio=True)
    return _pixels(int(text), field, low, high)


def _pixels(value: int, field: str, low: int, high: int) -> Length:
    if not low <= value <= high:
        raise invalid(f"{field} must be pixels [{low}, {high}] or a ratio in (0, 1)")
    return Length(value=value, ratio=False)


def _seconds(value: str | None, field: str, *, to_end: bool = False) -> float | None:
    if value is None or value.strip() == "" or (to_end and value.strip() == "ToEND"):
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise invalid(f"{field} must be a number of seconds" + (" or ToEND" if to_end else "")) from exc
    if not 0 <= number <= 86400 or (to_end and number == 0):
        raise invalid(f"{field} is out of range")
    return number


def placement(given: Placement, field: str, kind: Literal["image", "text"]) -> WatermarkSpec:
    """The spec fields a placement gives (MPC defaults for what it leaves out)."""
    if given.random_time_min or given.random_time_max:
        raise invalid(f"{field}.random_time_min/random_time_max (moving watermarks) are not supported")
    return WatermarkSpec(
        kind=kind,
        dx=length(given.dx, f"{field}.dx", 0, 4096) or Length(value=0, ratio=False),
        dy=length(given.dy, f"{field}.dy", 0, 4096) or Length(value=0, ratio=False),
        referpos=given.referpos or "TopRight",
        start_s=_seconds(given.timeline_start, f"{field}.timeline_start") or 0.0,
        duration_s=_seconds(given.timeline_duration, f"{field}.timeline_duration", to_end=True),
        base=given.base or "input",
    )


def image_spec(given: ImageWatermark, field: str, image_key: str) -> WatermarkSpec:
    spec = placement(given, field, "image")
    return spec.model_copy(
        update={
            "image_key": image_key,
            "width": length(given.width, f"{field}.width", 8, 4096),
            "height": length(given.height, f"{field}.height", 8, 4096),
            "image_process": given.image_process or "Original",
        }
    )


def check_template(template: WatermarkTemplate) -> None:
    """Every field of a template as a task would read it (MPC.10202 naming the one at fault)."""
    image_spec(template, "template", "x.png")


def _image_key(project_id: str, given: ObsImage, field: str) -> str:
    from mediaflow.settings import get_settings

    settings = get_settings()
    if given.bucket != settings.bucket_name or given.location != settings.region:
        raise invalid(
            f"{field}.bucket/location must be the media bucket {settings.bucket_name} in {settings.region}"
        )
    try:
        key = keys.project_key(project_id, given.object)
    except keys.InvalidKey as exc:
        raise invalid(f"{field}.object: {exc}") from exc
    if PurePosixPath(key).suffix.lower() not in IMAGE_TYPES:
        raise invalid(f"{field}.object must be an image ({', '.join(IMAGE_TYPES)})")
    try:
        head = objects.head(key)
    except NotFound as exc:
        raise invalid(f"{field}.object does not exist") from exc
    if head.size > MAX_IMAGE_BYTES:
        raise invalid(f"{field}.object is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MiB")
    return key


def _text(encoded: str, field: str) -> str:
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise invalid(f"{field}.text_context must be Base64 of UTF-8 text") from exc
    if not text.strip() or len(text) > MAX_TEXT_CHARS or any(ord(c) < 0x20 for c in text):
        raise invalid(f"{field}.text_context must be 1-{MAX_TEXT_CHARS} printable characters")
    return text


def resolve(project_id: str, requests: list[WatermarkRequest]) -> list[WatermarkSpec]:
    """The task's watermarks, every reference checked now (MPC.10202 naming the field)."""
    from mediaflow.mediaops import watermark_templates

    if len(requests) > MAX_WATERMARKS:
        raise invalid(f"watermarks accepts at most {MAX_WATERMARKS}")
    specs = []
    for index, request in enumerate(requests):
        field = f"watermarks[{index}]"
        if request.text_context is not None:
            given = request.text_watermark or TextWatermark()
            spec = placement(given, f"{field}.text_watermark", "text")
            colour = given.font_color or "white"
            if colour not in COLOURS:
                raise invalid(f"{field}.text_watermark.font_color must be one of {', '.join(COLOURS)}")
            update = {
                "text": _text(request.text_context, field),
                "font_size": given.font_size or 16,
                "font_color": colour,
            }
            specs.append(spec.model_copy(update=update))
            continue
        if request.input is None:
            raise invalid(f"{field}: an image watermark needs input (or a text watermark text_context)")
        image = _image_key(project_id, request.input, f"{field}.input")
        if request.template_id:
            try:
                template = watermark_templates.load(project_id, request.template_id)
            except (NotFound, ApiError) as exc:
                raise invalid(f"{field}.template_id {request.template_id} does not exist") from exc
            specs.append(image_spec(template, f"{field}.template", image))
        elif request.image_watermark is not None:
            specs.append(image_spec(request.image_watermark, f"{field}.image_watermark", image))
        else:
            raise invalid(f"{field}: give template_id or image_watermark")
    return specs
