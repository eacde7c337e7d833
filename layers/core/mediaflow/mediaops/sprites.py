"""Sprite sheets and their WebVTT thumbnails track, for scrubbing previews in players.

The snapshots already taken are tiled (ffmpeg's ``tile`` filter over the pictures as an image
sequence, a partial last sheet padded black) into sheets of ``column_count`` x ``row_count``; the
track has one cue per picture, from its time to the next one's (the last to the end of the
source), pointing at its tile with a media fragment: ``sheet_000.jpg#xywh=x,y,w,h``. That is the
form Video.js (videojs-vtt-thumbnails), hls.js-based players and JW Player read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mediaflow.media.binaries import ffmpeg_path
from mediaflow.mediaops.frames import FrameError, Size
from mediaflow.mediaops.thumbnail_params import SpritePara
from mediaflow.transcode.ffmpeg_args import COMMON
from mediaflow.transcode.progress import run_ffmpeg


@dataclass(frozen=True)
class SpriteSheets:
    sheets: list[str]  # file names in the work directory, in order
    vtt: str  # the WebVTT file's name
    tile: Size


def tile_size(picture: Size, para: SpritePara) -> Size:
    width = min(para.width, picture.width)
    return Size(width, max(1, round(picture.height * width / picture.width)))


def _stamp(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def webvtt(times_ms: list[int], end_ms: int, sheets: list[str], tile: Size, para: SpritePara) -> str:
    per_sheet = para.column_count * para.row_count
    lines = ["WEBVTT", ""]
    for index, start in enumerate(times_ms):
        stop = times_ms[index + 1] if index + 1 < len(times_ms) else max(end_ms, start + 1)
        sheet, slot = divmod(index, per_sheet)
        row, column = divmod(slot, para.column_count)
        x, y = column * tile.width, row * tile.height
        lines += [
            f"{_stamp(start)} --> {_stamp(stop)}",
            f"{sheets[sheet]}#xywh={x},{y},{tile.width},{tile.height}",
            "",
        ]
    return "\n".join(lines)


def build(
    workdir: Path,
    pictures: list[Path],
    picture_size: Size,
    times_ms: list[int],
    end_ms: int,
    para: SpritePara,
    stem: str,
    *,
    deadline_s: float,
) -> SpriteSheets:
    """Tile ``pictures`` (``shot_%05d.<ext>`` in ``workdir``) into sheets named ``<stem>_sprite_NNN``
    (in the sprite's format, by default the pictures')."""
    fmt = para.format or pictures[0].suffix.lstrip(".")
    tile = tile_size(picture_size, para)
    per_sheet = para.column_count * para.row_count
    count = -(-len(pictures) // per_sheet)
    pattern = f"{stem}_sprite_%03d.{fmt}"
    encoder = ["-c:v", "png"] if fmt == "png" else ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"]
    chain = (
        f"scale={tile.width}:{tile.height}:flags=bicubic,setsar=1,tile={para.column_count}x{para.row_count}"
    )
    argv = [ffmpeg_path(), *COMMON, "-protocol_whitelist", "file", "-f", "image2", "-framerate", "1"]
    argv += ["-start_number", "0", "-i", pictures[0].name.rsplit("_", 1)[0] + "_%05d" + pictures[0].suffix]
    argv += ["-vf", chain, *encoder, "-f", "image2", "-start_number", "0", pattern]
    outcome = run_ffmpeg(argv, workdir, duration_s=float(len(pictures)), deadline_s=deadline_s)
    sheets = [pattern.replace("%03d", f"{i:03d}") for i in range(count)]
    if outcome.returncode != 0 or not all((workdir / s).is_file() for s in sheets):
        raise FrameError("MPC.10050", "the sprite sheets could not be made")
    vtt = f"{stem}_sprite.vtt"
    (workdir / vtt).write_text(webvtt(times_ms, end_ms, sheets, tile, para), encoding="utf-8")
    return SpriteSheets(sheets, vtt, tile)
