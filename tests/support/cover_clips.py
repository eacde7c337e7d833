"""A test video for the cover picker: distinct good shots with known bad stretches between them.

Everything comes from ffmpeg's lavfi sources in one filter graph, so the clip is deterministic
(fixed seeds) and takes about a second to make. ``make_cover_test_clip`` returns the clip and the
labelled intervals of its timeline, so a test can tell where each cover came from:

==========  ======  ===========================================================================
interval    label   content
==========  ======  ===========================================================================
0 - 3       good    ``testsrc2`` (shot "testsrc2")
3 - 4       fade    the same shot fading to black
4 - 6       black   ``color=black``
6 - 7       fade    fading in from black to ...
7 - 10      good    ``mandelbrot`` zooming (shot "mandelbrot")
10 - 12     blur    the same fractal under ``boxblur=20``
12 - 15     good    ``life`` with mould, coloured (shot "life")
15 - 16     fade    cross-dissolve (``xfade=fade``) from life into ...
16 - 19     good    rotating ``gradients`` under a grid (shot "gradients")
19 - 21     flat    a grey colour card (``color=gray``)
21 - 24     good    the first three seconds of ``testsrc2`` again (shot "testsrc2": the repeat)
24 - 25     blown   a white flash (``color=white``)
25 - 28     good    ``sierpinski`` carpet, coloured (shot "sierpinski")
28 - 30     good    SMPTE HD colour bars with a moving box (shot "bars")
==========  ======  ===========================================================================

Keyframes are forced at 0 and every full second + 0.5 s (0.5, 1.5, ...), with scene-cut
keyframes off, so each one-second fade holds exactly one keyframe (at half strength) and no
keyframe sits on a boundary between two intervals.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediaflow.covers.phash import phash
from mediaflow.media.binaries import ffmpeg_path, media_env
from tests.support.clips import _cached, run_ffmpeg

FPS = 25


@dataclass(frozen=True)
class Interval:
    start: float
    end: float
    label: str  # good, fade, black, blur, flat, blown
    shot: str = ""  # for good stretches: which distinct look ("testsrc2" appears twice)

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end


INTERVALS: tuple[Interval, ...] = (
    Interval(0, 3, "good", "testsrc2"),
    Interval(3, 4, "fade"),
    Interval(4, 6, "black"),
    Interval(6, 7, "fade"),
    Interval(7, 10, "good", "mandelbrot"),
    Interval(10, 12, "blur"),
    Interval(12, 15, "good", "life"),
    Interval(15, 16, "fade"),
    Interval(16, 19, "good", "gradients"),
    Interval(19, 21, "flat"),
    Interval(21, 24, "good", "testsrc2"),
    Interval(24, 25, "blown"),
    Interval(25, 28, "good", "sierpinski"),
    Interval(28, 30, "good", "bars"),
)
DURATION = INTERVALS[-1].end
GOOD_SHOTS = frozenset(i.shot for i in INTERVALS if i.label == "good")


def interval_at(t: float) -> Interval:
    for interval in INTERVALS:
        if interval.contains(t):
            return interval
    if abs(t - DURATION) < 1 / FPS:
        return INTERVALS[-1]
    raise ValueError(f"{t} is outside the clip")


def _graph(w: int, h: int) -> str:
    size, common = f"{w}x{h}", f"fps={FPS},format=yuv420p,setsar=1"
    blur = min(20, min(w, h) // 4)  # boxblur's radius must fit half the chroma plane
    return ";".join(
        (
            f"testsrc2=s={size}:r={FPS}:d=4,fade=t=out:st=3:d=1,{common}[a]",
            f"color=c=black:s={size}:r={FPS}:d=2,{common}[black]",
            f"mandelbrot=s={size}:r={FPS},trim=duration=6,fade=t=in:st=0:d=1,{common},split[m1][m2]",
            "[m1]trim=duration=4,setpts=PTS-STARTPTS[mandel]",
            f"[m2]trim=start=4:duration=2,setpts=PTS-STARTPTS,boxblur={blur}:2,{common}[blur]",
            f"life=s={size}:r={FPS}:seed=7:mold=20:ratio=0.25:life_color=#f0d040:death_color=#102860:"
            f"mold_color=#806020,trim=duration=4,{common}[life]",
            f"gradients=s={size}:r={FPS}:d=4:seed=3:speed=0.08:x0=0:y0=0:x1={w}:y1={h}:c0=#d02020:c1=#2040e0:c2=#20c060:"
            f"nb_colors=4:c3=#f0f0f0,drawgrid=w={w // 8}:h={h // 6}:t=2:c=white@0.7,{common}[grad]",
            "[life][grad]xfade=transition=fade:duration=1:offset=3[dissolve]",
            f"color=c=gray:s={size}:r={FPS}:d=2,{common}[card]",
            f"testsrc2=s={size}:r={FPS}:d=3,{common}[again]",
            f"color=c=white:s={size}:r={FPS}:d=1,{common}[white]",
            f"sierpinski=s={size}:r={FPS}:seed=5,trim=duration=3,format=gray,"
            f"lutrgb=r=val:g=val*0.6:b=255-val,{common}[carpet]",
            f"smptehdbars=s={size}:r={FPS}:d=2,drawbox=x=t*60:y=ih/3:w=iw/6:h=ih/4:c=yellow:t=fill,"
            f"{common}[bars]",
            "[a][black][mandel][blur][dissolve][card][again][white][carpet][bars]concat=n=10:v=1:a=0[v]",
        )
    )


def make_cover_test_clip(
    directory: Path | str, *, width: int = 320, height: int = 180
) -> tuple[Path, list[Interval]]:
    """The clip (H.264 in MP4, 30 s) and its labelled intervals, in timeline order."""
    args = [
        *("-filter_complex", _graph(width, height), "-map", "[v]"),
        *("-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"),
        # No periodic or scene-cut keyframes: only frame 0 and the forced ones at n + 0.5 s.
        *("-g", "1000", "-sc_threshold", "0", "-force_key_frames", "expr:gte(t,n_forced+0.5)"),
        *("-movflags", "+faststart"),
    ]
    return _cached(directory, f"covers-{width}x{height}", "mp4", args), list(INTERVALS)


def make_flat_clip(directory: Path | str, *, seconds: float = 6, color: str = "0x3060a0") -> Path:
    """A single-colour clip (a static title card): no frame a cover should come from."""
    args = [
        *("-f", "lavfi", "-i", f"color=c={color}:s=320x180:r={FPS}:d={seconds}"),
        *("-c:v", "libx264", "-preset", "veryfast", "-g", "25", "-pix_fmt", "yuv420p"),
    ]
    return _cached(directory, "flat", "mp4", args, key=color)


# -- An edited clip (issue 15): few good shots, each long enough to hold several distinct moments,
# between black, blurred, flat, faded and repeated stretches; encoded with sparse and dense GOPs.
EDITED: tuple[Interval, ...] = (
    Interval(0, 1, "fade"),  # fading in from black to ...
    Interval(1, 6, "good", "mandelbrot"),  # zooming
    Interval(6, 8, "blur"),  # the same zoom under boxblur
    Interval(8, 10, "black"),
    Interval(10, 11, "fade"),  # fading in to ...
    Interval(11, 16, "good", "life"),
    Interval(16, 18, "flat"),  # a grey card
    Interval(18, 19, "fade"),  # dissolving (xfade) from the card into ...
    Interval(19, 23, "good", "gradients"),
    Interval(23, 25, "good", "mandelbrot"),  # seconds 1-3 of the zoom again: a repeat
    Interval(25, 26, "fade"),  # ... fading out
    Interval(26, 27, "black"),
)
EDITED_DURATION = EDITED[-1].end
# How each encode places keyframes: x264's own (GOP 250 plus scene cuts), a fixed 10 s GOP with
# no scene cuts (keyframes at 0, 10 and 20 s only: two of them inside fades), and a 1 s GOP.
GOPS = {
    "sparse-cuts": ["-g", "250"],
    "sparse": ["-g", "250", "-sc_threshold", "0"],
    "dense": ["-g", "25", "-sc_threshold", "0"],
}


FADE_EDGE_S = 0.2  # a frame this close to a good stretch is < 20 % into its transition


def edited_at(t: float) -> Interval:
    for interval in EDITED:
        if interval.contains(t):
            return interval
    if abs(t - EDITED_DURATION) < 1 / FPS:
        return EDITED[-1]
    raise ValueError(f"{t} is outside the clip")


def edited_is_bad(t: float) -> bool:
    return is_bad(EDITED, t)


def is_bad(intervals: tuple[Interval, ...], t: float) -> bool:
    """From a bad stretch. The last FADE_EDGE_S of a fade or dissolve into a good stretch (and the
    first, out of one) are not: they look like the shot, less than 20 % dimmed or mixed. The
    picker's own tests start at 10 % dimming (``judge.FADE_MAX``) and 15 % of another picture
    (``judge.MIX_MAX``), but a dissolve from a flat card is told apart only from ~20 % on."""
    here = next((i for i in intervals if i.contains(t)), intervals[-1])
    if here.label == "good":
        return False
    if here.label == "fade":
        for other in intervals:
            near = min(abs(t - other.end), abs(t - other.start))
            if other.label == "good" and other is not here and near <= FADE_EDGE_S:
                return False
    return True


def frame_hashes(path: Path, width: int = 320, height: int = 180) -> list[tuple[float, int]]:
    """(time, pHash) of every frame of a constant-rate clip, hashed as the picker hashes frames."""
    raw = subprocess.run(
        [ffmpeg_path(), "-v", "error", "-i", str(path), "-vf",
         f"scale={width}:{height}:flags=area:out_range=full,format=gray", "-f", "rawvideo", "-"],
        capture_output=True, check=True, env=media_env(),
    ).stdout  # fmt: skip
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width)
    return [(i / FPS, phash(plane)) for i, plane in enumerate(planes)]


def _edited_graph(w: int, h: int) -> str:
    size, common = f"{w}x{h}", f"fps={FPS},format=yuv420p,setsar=1"
    blur = min(20, min(w, h) // 4)
    return ";".join(
        (
            f"mandelbrot=s={size}:r={FPS},trim=duration=8,{common},split=3[m1][m2][m3]",
            "[m1]trim=duration=6,setpts=PTS-STARTPTS,fade=t=in:st=0:d=1[zoom]",
            f"[m2]trim=start=6:duration=2,setpts=PTS-STARTPTS,boxblur={blur}:2,{common}[blur]",
            "[m3]trim=start=1:duration=3,setpts=PTS-STARTPTS[again]",
            f"color=c=black:s={size}:r={FPS}:d=2,{common}[black]",
            f"life=s={size}:r={FPS}:seed=11:mold=20:ratio=0.3:life_color=#f0d040:death_color=#102860:"
            f"mold_color=#806020,trim=duration=6,{common},fade=t=in:st=0:d=1[life]",
            f"color=c=gray:s={size}:r={FPS}:d=3,{common}[card]",
            f"gradients=s={size}:r={FPS}:d=5:seed=3:speed=0.08:x0=0:y0=0:x1={w}:y1={h}:c0=#d02020:"
            f"c1=#2040e0:c2=#20c060:nb_colors=4:c3=#f0f0f0,drawgrid=w={w // 8}:h={h // 6}:t=2:c=white@0.7,"
            f"{common}[grad]",
            "[card][grad]xfade=transition=fade:duration=1:offset=2[dissolve]",
            "[again]fade=t=out:st=2:d=1[again2]",
            f"color=c=black:s={size}:r={FPS}:d=1,{common}[tail]",
            "[zoom][blur][black][life][dissolve][again2][tail]concat=n=7:v=1:a=0[v]",
        )
    )


def make_edited_clips(directory: Path | str, *, width: int = 320, height: int = 180) -> dict[str, Path]:
    """The edited clip (H.264 in MP4, 27 s) once per entry of ``GOPS``, from one generation."""
    graph = _edited_graph(width, height)
    common = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"]
    paths = {}
    for gop, flags in GOPS.items():
        key = hashlib.sha256(f"{graph}|{common}|{flags}".encode()).hexdigest()[:10]
        paths[gop] = Path(directory) / f"edited-{gop}-{width}x{height}-{key}.mp4"
    missing = [gop for gop, path in paths.items() if not path.exists()]
    if missing:
        Path(directory).mkdir(parents=True, exist_ok=True)
        labels = "".join(f"[o{i}]" for i in range(len(missing)))
        args = ["-filter_complex", f"{graph};[v]split={len(missing)}{labels}"]
        for i, gop in enumerate(missing):
            tmp = paths[gop].with_name(f".{paths[gop].stem}.{os.getpid()}.tmp.mp4")
            args += ["-map", f"[o{i}]", *common, *GOPS[gop], "-movflags", "+faststart", str(tmp)]
        run_ffmpeg(args)
        for gop in missing:
            paths[gop].with_name(f".{paths[gop].stem}.{os.getpid()}.tmp.mp4").replace(paths[gop])
    return paths


SCARCE: tuple[Interval, ...] = (
    Interval(0, 2, "good", "bars"),  # still colour bars: one distinct moment, however many frames
    Interval(2, 4, "black"),
    Interval(4, 6, "blur"),  # the bars under boxblur
    Interval(6, 8, "flat"),  # a grey card
)


def make_scarce_clip(directory: Path | str) -> Path:
    """8 s, one GOP: a single still good picture between black, blurred and flat stretches."""
    size, common = "320x180", f"fps={FPS},format=yuv420p,setsar=1"
    graph = ";".join(
        (
            f"smptehdbars=s={size}:r={FPS}:d=4,{common},split[b1][b2]",
            "[b1]trim=duration=2[bars]",
            f"[b2]trim=start=2:duration=2,setpts=PTS-STARTPTS,boxblur=20:2,{common}[blur]",
            f"color=c=black:s={size}:r={FPS}:d=2,{common}[black]",
            f"color=c=gray:s={size}:r={FPS}:d=2,{common}[card]",
            "[bars][black][blur][card]concat=n=4:v=1:a=0[v]",
        )
    )
    args = [
        *("-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-preset", "veryfast"),
        *("-crf", "20", "-pix_fmt", "yuv420p", "-g", "250", "-sc_threshold", "0", "-movflags", "+faststart"),
    ]
    return _cached(directory, "scarce", "mp4", args)
