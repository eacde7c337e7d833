"""What an ended task adds to its project's usage of the day it ended (UTC).

A SUCCEEDED transcoding task adds one to ``transcode_task_number``, its source's seconds to
``video_duration`` and each output's seconds to ``out:<codec>:<tier>`` (tiers by the output's
short side, as vendors bill: SD below 720, HD below 1080, FHD below 1440, 2K below 2160, 4K from
2160; audio-only outputs are ``AUDIO``); every ended task that ran (succeeded or failed) adds its
compute seconds (``transcode_duration``) and GB-seconds (its cost). A SUCCEED remux adds its source's
seconds to ``remux_file_duration``. Called once per task by whoever wrote its end state (the
runner's ``on_end``), so each task is counted once.
"""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.records import usage
from mediaflow.records.model import Record
from mediaflow.records.states import RemuxState, TaskState
from mediaflow.remux.records import RemuxDoc
from mediaflow.transcode.records import TaskDoc

TIERS = ((720, "SD"), (1080, "HD"), (1440, "FHD"), (2160, "2K"))


def tier(width: int, height: int) -> str:
    short = min(width, height)
    return next((name for limit, name in TIERS if short < limit), "4K")


def _seconds(info: dict[str, Any] | None) -> float:
    if not info:
        return 0.0
    return float(info.get("duration_ms") or 0) / 1000 or float(info.get("duration") or 0)


def _day(record: Record[Any]) -> Any:
    ended = record.doc.end_time
    return (clock.parse_key_time(ended) if ended else clock.now()).date()


def task_ended(record: Record[TaskDoc]) -> None:
    doc = record.doc
    amounts: dict[str, float] = {"transcode_duration": doc.compute_s, "gb_s": doc.gb_s}
    if record.status == TaskState.SUCCEEDED:
        detail = doc.transcode_detail or {}
        amounts["transcode_task_number"] = 1
        amounts["video_duration"] = _seconds(detail.get("input_file"))
        for entry in detail.get("multitask_info") or []:
            output = entry.get("output_file")
            if not output or entry.get("error"):
                continue
            video = output.get("video_info")
            if video and video.get("width") and video.get("height"):
                name = (
                    f"out:{video.get('codec') or 'VIDEO'}:{tier(int(video['width']), int(video['height']))}"
                )
            else:
                name = "out:AUDIO"
            amounts[name] = amounts.get(name, 0.0) + _seconds(output)
    if doc.start_time or record.status == TaskState.SUCCEEDED:  # it ran: it cost something
        usage.add(record.project_id, _day(record), amounts)


def remux_ended(record: Record[RemuxDoc]) -> None:
    amounts = {"remux_compute_s": record.doc.compute_s, "gb_s": record.doc.gb_s}
    if record.status == RemuxState.SUCCEED:
        amounts["remux_file_duration"] = record.doc.source_seconds
        amounts["remux_task_number"] = 1
    if record.doc.start_time:
        usage.add(record.project_id, _day(record), amounts)
