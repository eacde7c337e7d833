"""Issue 15 through the API and the worker: a TemplateId job with Count 2 on an edited clip whose
keyframes sit only at 0, 10 and 20 s (two of them inside fades) gives two different good covers.
The issue saw this case return the same frame (same timestamp) twice."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediaflow import aws
from mediaflow.covers.phash import hamming, phash
from mediaflow.media.binaries import ffmpeg_path, media_env
from mediaflow.settings import get_settings
from tests.integration.test_auth import create_project
from tests.integration.test_ci_jobs import create_template, job_id_of, put_source, seed_request, submit
from tests.integration.test_ci_worker import run
from tests.support.aws import MotoStack
from tests.support.cover_clips import edited_at, edited_is_bad, make_edited_clips


def luma(path: Path) -> np.ndarray:
    scale = "scale=320:180:flags=area:out_range=full,format=gray"
    cmd = [ffmpeg_path(), "-v", "error", "-i", str(path), "-vf", scale, "-f", "rawvideo", "-"]
    raw = subprocess.run(cmd, capture_output=True, check=True, env=media_env()).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(180, 320)


@pytest.mark.parametrize("dedupe", ["false", "true"])
def test_template_job_with_count_two_gives_two_different_good_covers(
    core_env: MotoStack, clip_dir: Path, tmp_path: Path, dedupe: str
) -> None:
    project, _ = create_project(f"ci-two-{dedupe}")
    put_source(project, make_edited_clips(clip_dir)["sparse"])
    params = f"<Format>jpg</Format><Count>2</Count><DeleteDuplicates>{dedupe}</DeleteDuplicates>"
    made = create_template(
        project, f"<Request><Tag>SmartCover</Tag><Name>two</Name><SmartCover>{params}</SmartCover></Request>"
    )
    assert made.status == 200, made.text
    body = seed_request(template_id=made.body["Template"]["TemplateId"], callback="")
    detail = run(project, job_id_of(submit(project, body)))
    assert (detail["State"], detail["Code"], detail["Message"]) == ("Success", "Success", ""), detail
    result = detail["Operation"]["SmartCoverResult"]
    times = [float(c["Time"]) for c in result["Cover"]]
    assert len(times) == 2 and times[0] != times[1], times
    assert all(not edited_is_bad(t) for t in times), [(t, edited_at(t).label) for t in times]
    assert result["Fallback"] == "false"
    output = detail["Operation"]["MediaResult"]["OutputFile"]
    assert len(output["ObjectName"]) == 2
    pictures = []
    for i, name in enumerate(output["ObjectName"]):
        dest = tmp_path / f"{i}.jpg"
        aws.client("s3").download_file(get_settings().bucket_name, output["ObjectPrefix"] + name, str(dest))
        pictures.append(luma(dest))
    assert np.abs(pictures[0].astype(np.int16) - pictures[1]).mean() > 10  # two different pictures
    assert hamming(phash(pictures[0]), phash(pictures[1])) > (10 if dedupe == "true" else 0)
