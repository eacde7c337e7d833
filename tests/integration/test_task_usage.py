"""Task detail (ListTranscodeDetail) and usage per day (ListStatSummary) from counters written when
tasks end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from mediaflow import clock
from mediaflow.transcode.spec import AudioSpec, RenditionSpec, VideoSpec
from tests.integration.test_auth import create_project
from tests.integration.test_remux import call
from tests.integration.test_transcode_worker import run
from tests.support.aws import MotoStack
from tests.support.clips import make_clip

HD = RenditionSpec(
    template_id=7, pack_type="MP4", video=VideoSpec(height=720), audio=AudioSpec(), output_name="hd"
)
SD = RenditionSpec(
    template_id=8, pack_type="HLS", video=VideoSpec(height=240), audio=AudioSpec(), output_name="sd"
)


def summary(project: str, stat_type: str, start: str, end: str) -> tuple[int, dict]:
    query = {"start_time": start, "end_time": end, "stat_type": stat_type}
    return call("list_stat_summary", "GET", "/v1/{project_id}/transcodings/summaries", project, query=query)


def test_detail_and_daily_usage_after_tasks_end(core_env: MotoStack, clip_dir: Path) -> None:
    project, _ = create_project("usage")
    clip = make_clip(clip_dir, seconds=3, width=1280, height=720)
    first = run(project, clip, [HD, SD])
    second = run(project, clip, [SD])
    assert (first.status, second.status) == ("SUCCEEDED", "SUCCEEDED")
    status, body = call(
        "list_transcode_detail",
        "GET",
        "/v1/{project_id}/transcodings/detail",
        project,
        query={"task_id": first.id},
    )
    assert status == 200 and len(body["task_array"]) == 1
    detail = body["task_array"][0]
    assert detail["task_id"] == first.id and detail["status"] == "SUCCEEDED"
    origin = detail["media_detail"]["origin_para"]
    assert origin["video"]["height"] == 720 and origin["duration_ms"] >= 2900
    paras = {p["template_id"]: p for p in detail["media_detail"]["output_video_paras"]}
    assert (paras[7]["pack"], paras[7]["file_name"], paras[7]["video"]["height"]) == ("MP4", "hd.mp4", 720)
    assert (paras[8]["pack"], paras[8]["manifest_name"]) == ("HLS", "sd.m3u8")
    assert paras[7]["size"] > 0 and paras[7]["audio"]["codec"] == "AAC"

    today = clock.now().strftime("%Y%m%d")
    month_ago = (clock.now() - timedelta(days=30)).strftime("%Y%m%d")
    status, body = summary(project, "transcode_task_number", month_ago, today)
    assert (
        status == 200
        and body["total"] == 2
        and body["summary"][-1]["date"] == clock.now().strftime("%Y/%m/%d")
    )
    day = body["summary"][-1]
    assert set(day["output_minutes"]) == {"H264_HD", "H264_SD"}
    assert abs(day["output_minutes"]["H264_SD"] - 2 * 3 / 60) < 0.02  # two 3 s SD outputs
    assert day["compute_seconds"] > 0 and day["estimated_cost_usd"] >= 0
    _, minutes = summary(project, "video_duration", today, today)
    assert abs(minutes["total"] - 6 / 60) < 0.02 and len(minutes["summary"]) == 1
    _, empty = summary(project, "remux_file_duration", today, today)
    assert empty["total"] == 0
    other, _ = create_project("usage-other")
    assert summary(other, "transcode_task_number", today, today)[1]["total"] == 0
    for bad in (
        ("x", "20200101", today),
        ("video_duration", "2020", today),
        ("video_duration", today, "20200101"),
    ):
        status, error = summary(project, *bad)
        assert (status, error["error_code"]) == (400, "MPC.10202")
    assert summary(project, "video_duration", "20200101", "20211231")[1]["error_code"] == "MPC.10202"
