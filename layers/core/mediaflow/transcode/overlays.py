"""Watermarks as ffmpeg filters in the transcoding graph: pure, no subprocess.

A task's watermarks are resolved at creation into ``WatermarkSpec`` (image or text, placement,
size, timeline, base) and applied in the same single decode as the renditions:

- ``base`` ``input``: drawn once on the source frames, before the ``split`` into renditions, so
  each rendition shows it scaled with the picture (MPC: "scaled proportionally with the image");
- ``base`` ``output``: drawn on each rendition after its scale, sizes and offsets computed from
  that rendition's size (a 0.1 ratio is a tenth of each rendition's width).

``dx``/``dy`` are pixels (>= 1) or a ratio of the frame (0 < r < 1) from the ``referpos`` corner;
``width``/``height`` likewise (one alone keeps the image's aspect ratio; neither: its own size).
The timeline (``timeline_start``, ``timeline_duration`` or to the end) is an ``enable`` expression
on **source time**: the chunks of a split task are encoded after an input seek (their frames start
at 0), so their expression adds the chunk's read start (``offset_s``) back.

Safety: images are local files (downloaded first) read as extra inputs with ``-protocol_whitelist
file`` and the image demuxers only; text goes through a file in the work directory
(``textfile``, ``expansion=none``: no ``%{...}`` expansion, no escaping of user text in the graph)
with the bundled DejaVu Sans, linked into the work directory under a fixed name. Only numbers and
fixed names reach the filter graph.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

RATIO_DP = 4
FONT_FILE = "wm_font.ttf"  # the bundled font, linked into the work directory
IMAGE_DEMUXERS = "image2,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe,gif"
COLOURS = ("black", "blue", "white", "green", "red", "yellow", "brown", "gold", "pink", "orange", "purple")


class Length(BaseModel):
    """A pixel count (``ratio`` False) or a fraction of the frame's side (0 < value < 1)."""

    value: float
    ratio: bool

    def pixels(self, side: int) -> int:
        return round(self.value * side) if self.ratio else int(self.value)


class WatermarkSpec(BaseModel):
    kind: Literal["image", "text"]
    image_key: str | None = None  # the image object (image watermarks)
    text: str | None = None  # the decoded text (text watermarks)
    dx: Length = Field(default_factory=lambda: Length(value=0, ratio=False))
    dy: Length = Field(default_factory=lambda: Length(value=0, ratio=False))
    referpos: Literal["TopRight", "TopLeft", "BottomRight", "BottomLeft"] = "TopRight"
    start_s: float = Field(0.0, ge=0)
    duration_s: float | None = Field(None, gt=0)  # None: to the end
    width: Length | None = None
    height: Length | None = None
    image_process: Literal["Original", "Grayed", "Transparent"] = "Original"
    base: Literal["input", "output"] = "input"
    font_size: int = Field(16, ge=4, le=120)
    font_color: str = "white"


@dataclass(frozen=True)
class Prepared:
    """Watermarks with their local files: ``images[i]`` is the absolute path of spec i's image;
    ``texts[i]`` the work-directory file name holding spec i's text."""

    specs: list[WatermarkSpec]
    images: dict[int, str] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)

    @property
    def image_indexes(self) -> list[int]:
        return [i for i, s in enumerate(self.specs) if s.kind == "image"]


def _num(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError("not a finite number")
    return f"{value:.6f}"


def _enable(spec: WatermarkSpec, offset_s: float) -> str:
    t = f"t+{_num(offset_s)}" if offset_s else "t"
    if spec.duration_s is None:
        return f"gte({t},{_num(spec.start_s)})"
    return f"between({t},{_num(spec.start_s)},{_num(spec.start_s + spec.duration_s)})"


def _corner(spec: WatermarkSpec, dx: int, dy: int, width_var: str, height_var: str) -> tuple[str, str]:
    x = f"{dx}" if spec.referpos.endswith("Left") else f"main_w-{width_var}-{dx}"
    y = f"{dy}" if spec.referpos.startswith("Top") else f"main_h-{height_var}-{dy}"
    return x, y


def _image_chain(spec: WatermarkSpec, frame_w: int, frame_h: int) -> str:
    width = spec.width.pixels(frame_w) if spec.width else None
    height = spec.height.pixels(frame_h) if spec.height else None
    steps = []
    if width or height:
        steps.append(f"scale={max(2, width) if width else -1}:{max(2, height) if height else -1}")
    steps.append("format=rgba")
    if spec.image_process == "Grayed":
        steps.append("colorchannelmixer=.3:.59:.11:0:.3:.59:.11:0:.3:.59:.11:0")
    elif spec.image_process == "Transparent":
        steps.append("colorchannelmixer=aa=0.5")  # half opacity
    return ",".join(steps)


def _drawtext(spec: WatermarkSpec, text_file: str, frame_w: int, frame_h: int, offset_s: float) -> str:
    dx, dy = spec.dx.pixels(frame_w), spec.dy.pixels(frame_h)
    x = f"{dx}" if spec.referpos.endswith("Left") else f"w-text_w-{dx}"
    y = f"{dy}" if spec.referpos.startswith("Top") else f"h-text_h-{dy}"
    if spec.font_color not in COLOURS:
        raise ValueError("font colour")
    options = [
        f"fontfile={FONT_FILE}",
        f"textfile={text_file}",
        "expansion=none",
        f"fontsize={spec.font_size}",
        f"fontcolor={spec.font_color}",
        f"x={x}",
        f"y={y}",
        f"enable='{_enable(spec, offset_s)}'",
    ]
    return "drawtext=" + ":".join(options)


def input_args(prepared: Prepared | None) -> list[str]:
    """The extra inputs (one per image watermark, after the source: input 1, 2, ...)."""
    args: list[str] = []
    for index in prepared.image_indexes if prepared else []:
        args += ["-protocol_whitelist", "file", "-format_whitelist", IMAGE_DEMUXERS]
        args += ["-f", "image2", "-pattern_type", "none", "-i", prepared.images[index]]  # type: ignore[union-attr]
    return args


def graph(
    prepared: Prepared | None,
    base: Literal["input", "output"],
    source_label: str,
    out_label: str,
    frame: tuple[int, int],
    offset_s: float,
    tag: str,
    uses: int = 1,
) -> list[str]:
    """Filter-graph statements drawing the ``base`` watermarks on ``[source_label]`` into
    ``[out_label]`` (an empty list when there are none: the caller keeps its label).

    ``tag`` keeps labels unique per place in the graph; ``uses`` is how many places (renditions)
    take each image, so its input is split that many times (by the caller of ``image_splits``)."""
    if prepared is None:
        return []
    chosen = [i for i, s in enumerate(prepared.specs) if s.base == base]
    if not chosen:
        return []
    frame_w, frame_h = frame
    statements, current = [], source_label
    for step, index in enumerate(chosen):
        spec = prepared.specs[index]
        target = out_label if step == len(chosen) - 1 else f"wm{tag}_{step}"
        if spec.kind == "text":
            text = _drawtext(spec, prepared.texts[index], frame_w, frame_h, offset_s)
            statements.append(f"[{current}]{text}[{target}]")
        else:
            image = f"wmi{index}_{tag}"
            statements.append(
                f"[{image_label(prepared, index, tag)}]{_image_chain(spec, frame_w, frame_h)}[{image}]"
            )
            x, y = _corner(spec, spec.dx.pixels(frame_w), spec.dy.pixels(frame_h), "overlay_w", "overlay_h")
            enable = _enable(spec, offset_s)
            statements.append(f"[{current}][{image}]overlay=x={x}:y={y}:enable='{enable}'[{target}]")
        current = target
    return statements


def image_label(prepared: Prepared, index: int, tag: str) -> str:
    """The label of spec ``index``'s image copy for the place ``tag`` (see ``image_splits``)."""
    return f"wms{index}_{tag}"


def image_splits(prepared: Prepared | None, tags_by_base: dict[str, list[str]]) -> list[str]:
    """Split each image input into one copy per place that draws it (``tags_by_base``: the tags of
    the places of each base). Input k + 1 is the k-th image watermark."""
    if prepared is None:
        return []
    statements = []
    for position, index in enumerate(prepared.image_indexes, start=1):
        tags = tags_by_base.get(prepared.specs[index].base, [])
        if not tags:
            continue
        labels = "".join(f"[{image_label(prepared, index, t)}]" for t in tags)
        statements.append(
            f"[{position}:v]split={len(tags)}{labels}" if len(tags) > 1 else f"[{position}:v]null{labels}"
        )
    return statements
