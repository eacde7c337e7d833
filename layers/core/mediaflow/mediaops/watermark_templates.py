"""MPC watermark templates (``POST/PUT/GET/DELETE /v1/{project_id}/template/watermark``).

Records: kind ``WATERMARK_TEMPLATE``, id = the integer template id as text (the project's
``watermark`` sequence from 1), body ``WatermarkTemplateDoc`` holding the template as shown.
Answers: ``201 {"template_id"}``; ``{"templates": [...], "total"}`` (ids: at most 10, repeated or
comma-separated; without ids the project's templates, oldest first, paged by ``page``/``size``);
``204`` on update and delete. A template of another project reads exactly as a missing one
(``MPC.10089``, as transcoding templates). Names need not be unique (MPC documents no rule).
"""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.api import mpc_query
from mediaflow.api.mpc_errors import TEMPLATE_NOT_FOUND, invalid
from mediaflow.errors import Conflict, NotFound
from mediaflow.mediaops.records import WatermarkTemplateDoc
from mediaflow.mediaops.watermarks import WatermarkTemplate, check_template
from mediaflow.records import counters, store
from mediaflow.records.model import Record, new_record
from mediaflow.records.transaction import RemoveRecord

SEQUENCE = "watermark"


def _shown(template: WatermarkTemplate) -> dict[str, Any]:
    return template.model_dump(exclude={"template_id"}, exclude_none=True)


def create(project_id: str, template: WatermarkTemplate) -> dict[str, Any]:
    check_template(template)
    template_id = counters.next_id(project_id, SEQUENCE)
    doc = WatermarkTemplateDoc(template=_shown(template))
    store.create(new_record(doc, project_id, str(template_id), clock.key_time(clock.now())))
    return {"template_id": template_id}


def update(project_id: str, template: WatermarkTemplate) -> None:
    if template.template_id is None:
        raise invalid("template_id is required")
    check_template(template)

    def replace(current: Record[WatermarkTemplateDoc]) -> Record[WatermarkTemplateDoc]:
        return current.evolve(template=_shown(template))

    try:
        store.update(WatermarkTemplateDoc, project_id, str(template.template_id), replace)
    except NotFound as exc:
        raise TEMPLATE_NOT_FOUND from exc


def _view(record: Record[WatermarkTemplateDoc]) -> dict[str, Any]:
    return {"template_id": int(record.id), **record.doc.template}


def load(project_id: str, template_id: str) -> WatermarkTemplate:
    """A template by id (``NotFound`` when the project has none with it)."""
    if not template_id.isdigit() or len(template_id) > 18:
        raise NotFound(template_id)
    record = store.get(WatermarkTemplateDoc, project_id, str(int(template_id)))
    return WatermarkTemplate.model_validate(record.doc.template)


def query(project_id: str, template_ids: list[str], page: str | None, size: str | None) -> dict[str, Any]:
    ids = mpc_query.task_ids(template_ids) if template_ids else []
    if ids:
        found = store.get_many(WatermarkTemplateDoc, project_id, ids)
        return {"templates": [_view(r) for r in found], "total": len(found)}
    page_no = mpc_query.bounded_int(page, "page", 0, 0, 100_000)
    page_size = mpc_query.bounded_int(size, "size", 10, 1, 100)
    cursor: str | None = None
    records: list[Record[WatermarkTemplateDoc]] = []
    for index in range(page_no + 1):
        found_page = store.list_page(
            WatermarkTemplateDoc, project_id, limit=page_size, cursor=cursor, newest_first=False
        )
        if index == page_no:
            records = found_page.records
        cursor = found_page.cursor
        if cursor is None:
            break
    return {"templates": [_view(r) for r in records], "total": store.count(WatermarkTemplateDoc, project_id)}


def delete(project_id: str, template_id: str) -> None:
    if not template_id.isdigit() or len(template_id) > 18:
        raise invalid("template_id must be an integer")
    try:
        current = store.get(WatermarkTemplateDoc, project_id, str(int(template_id)))
        store.transact([RemoveRecord(current)])
    except NotFound as exc:
        raise TEMPLATE_NOT_FOUND from exc
    except Conflict as exc:
        raise TEMPLATE_NOT_FOUND from exc
