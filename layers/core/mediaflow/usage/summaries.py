"""``GET /v1/{project_id}/transcodings/summaries`` (ListStatSummary): one value per day of the
period for ``stat_type`` - ``video_duration`` (source minutes transcoded), ``remux_file_duration``
(source minutes repackaged), ``transcode_task_number`` (tasks that succeeded) or
``transcode_duration`` (compute minutes) - and their ``total``. Each day also carries (a
documented extension) ``output_minutes`` by codec and resolution tier, ``compute_seconds`` and
``estimated_cost_usd``. Reads one counter item per day (``records.usage``), at most 366 days.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from mediaflow.api.mpc_errors import invalid
from mediaflow.jobs import cost
from mediaflow.records import usage

STAT_TYPES = {
    "video_duration": ("video_duration", 60.0),
    "remux_file_duration": ("remux_file_duration", 60.0),
    "transcode_task_number": ("transcode_task_number", 1.0),
    "transcode_duration": ("transcode_duration", 60.0),
}
MAX_DAYS = 366


def _date(value: str | None, name: str) -> date:
    if value is None or len(value) != 8 or not value.isdigit():
        raise invalid(f"{name} must be yyyymmdd (UTC)")
    try:
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError as exc:
        raise invalid(f"{name} must be yyyymmdd (UTC)") from exc


def summaries(
    project_id: str, *, start_time: str | None, end_time: str | None, stat_type: str | None
) -> dict[str, Any]:
    kind = stat_type or "video_duration"
    if kind not in STAT_TYPES:
        raise invalid(f"stat_type must be one of {', '.join(STAT_TYPES)}")
    first, last = _date(start_time, "start_time"), _date(end_time, "end_time")
    if last < first:
        raise invalid("start_time is after end_time")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid(f"the period is at most {MAX_DAYS} days")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    found = usage.read(project_id, days)
    attribute, unit = STAT_TYPES[kind]
    summary: list[dict[str, Any]] = []
    total = 0.0
    for day in days:
        counts = found.get(day, {})
        outputs = {
            name.removeprefix("out:").replace(":", "_"): round(value / 60, 2)
            for name, value in sorted(counts.items())
            if name.startswith("out:")
        }
        compute = counts.get("transcode_duration", 0.0) + counts.get("remux_compute_s", 0.0)
        value = round(counts.get(attribute, 0.0) / unit, 2)
        total += value
        summary.append(
            {
                "date": day.strftime("%Y/%m/%d"),
                "value": value,
                "output_minutes": outputs,
                "compute_seconds": round(compute, 3),
                "estimated_cost_usd": cost.usd(counts.get("gb_s", 0.0)),
            }
        )
    return {"stat_type": kind, "summary": summary, "total": round(total, 2)}
