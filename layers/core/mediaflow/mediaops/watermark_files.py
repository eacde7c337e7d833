"""The local files a task's watermarks need before ffmpeg runs: each image downloaded into the
work directory, each text written to a file, the bundled font linked under a fixed name."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from mediaflow.errors import NotFound
from mediaflow.jobs.kind import JobFailed
from mediaflow.media.binaries import font_path
from mediaflow.storage import objects
from mediaflow.transcode.overlays import FONT_FILE, Prepared, WatermarkSpec


def prepare_watermarks(specs: list[WatermarkSpec], workdir: Path) -> Prepared | None:
    if not specs:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    images, texts = {}, {}
    for index, spec in enumerate(specs):
        if spec.kind == "image" and spec.image_key:
            suffix = PurePosixPath(spec.image_key).suffix.lower()
            path = workdir / f"wm_{index}{suffix}"
            try:
                objects.download_file(spec.image_key, str(path))
            except NotFound as exc:
                raise JobFailed("MPC.10052", f"The watermark image {spec.image_key} does not exist.") from exc
            images[index] = str(path.absolute())
        elif spec.kind == "text":
            name = f"wm_text_{index}.txt"
            (workdir / name).write_text(spec.text or "", encoding="utf-8")
            texts[index] = name
    if texts and not (workdir / FONT_FILE).exists():
        os.symlink(font_path(), workdir / FONT_FILE)
    return Prepared(specs, images, texts)
