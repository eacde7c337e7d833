"""``GET /v1/{project_id}/transcodings`` exactly as seed 003 describes it (the shared MPC list
query, ``api.mpc_query``, with the transcoding task's statuses and view)."""

from __future__ import annotations

from typing import Any

from mediaflow.api import mpc_query
from mediaflow.records.model import Record
from mediaflow.records.states import TRANSCODE
from mediaflow.transcode import split_task
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.task_views import task_view

STATUSES = (*sorted(TRANSCODE.states), "NEED_TO_BE_AUDIT")
MAX_IDS = mpc_query.MAX_IDS


def _views(project_id: str, records: list[Record[TaskDoc]]) -> list[dict[str, Any]]:
    """Task views, a split task's progress weighted over its parts (one batch read)."""
    progress = split_task.running_progress(project_id, records)
    return [task_view(r, progress.get(r.id)) for r in records]


LIST = mpc_query.ListSpec(TaskDoc, STATUSES, task_view, views=_views)


def query(
    project_id: str,
    *,
    task_ids: list[str],
    status: str | None,
    start_time: str | None,
    end_time: str | None,
    page: str | None,
    size: str | None,
) -> dict[str, Any]:
    return mpc_query.query(
        LIST,
        project_id,
        task_ids_given=task_ids,
        status=status,
        start_time=start_time,
        end_time=end_time,
        page=page,
        size=size,
    )
