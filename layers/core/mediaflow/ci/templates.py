"""SmartCover templates: ``POST /template`` (CreateMediaTemplate) and ``GET /template``
(DescribeMediaTemplates), Tag SmartCover, Category Custom, TemplateId ``t<32 hex>``.

A job that names a TemplateId takes the template's parameters when it is submitted, so a later
change of the template never changes a queued job.
"""

from __future__ import annotations

import re
from typing import Any

from mediaflow import clock, ids
from mediaflow.api.ci_errors import invalid
from mediaflow.ci.models import TAG, CoverParams, TemplateRequest
from mediaflow.ci.records import CiTemplateDoc
from mediaflow.ci.views import template_view
from mediaflow.errors import NotFound
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.settings import get_settings

_TEMPLATE_ID = re.compile(r"^t[0-9A-Za-z]{1,64}$")
MAX_IDS, MAX_PAGE_SIZE, NAME_SCAN = 100, 100, 1000


def create(project_id: str, request: TemplateRequest) -> dict[str, Any]:
    doc = CiTemplateDoc(
        tag=TAG, name=request.Name, params=request.SmartCover, smart_cover=request.SmartCover.echo()
    )
    record = store.create(new_record(doc, project_id, "t" + ids.new_hex_id(), clock.key_time(clock.now())))
    return {"Template": template_view(record, get_settings().bucket_name)}


def cover_params(project_id: str, template_id: str) -> tuple[Record[CiTemplateDoc], CoverParams]:
    """The template's parameters; InvalidArgument when the project has no such template."""
    try:
        if not _TEMPLATE_ID.match(template_id):
            raise NotFound(template_id)
        record = store.get(CiTemplateDoc, project_id, template_id)
    except NotFound as exc:
        raise invalid(f"Operation.TemplateId: template {template_id} does not exist") from exc
    return record, record.doc.params


def _number(value: str | None, name: str, default: int, high: int) -> int:
    if value is None or value == "":
        return default
    if not value.isdigit() or not 1 <= int(value) <= high:
        raise invalid(f"{name} must be an integer in [1, {high}]")
    return int(value)


def _walk(project_id: str, limit: int) -> list[Record[CiTemplateDoc]]:
    """Up to ``limit`` templates, newest first."""
    found: list[Record[CiTemplateDoc]] = []
    cursor: str | None = None
    while len(found) < limit:
        page = store.list_page(CiTemplateDoc, project_id, limit=min(100, limit - len(found)), cursor=cursor)
        found += page.records
        cursor = page.cursor
        if cursor is None:
            break
    return found


def describe(
    project_id: str,
    *,
    tag: str | None,
    category: str | None,
    template_ids: str | None,
    name: str | None,
    page_number: str | None,
    page_size: str | None,
) -> dict[str, Any]:
    """DescribeMediaTemplates: by ``ids`` (comma list), else newest first by page, optionally
    filtered by a part of the name; ``Official`` and other tags have no templates here."""
    number = _number(page_number, "pageNumber", 1, 100_000)
    size = _number(page_size, "pageSize", 10, MAX_PAGE_SIZE)
    if tag not in (None, "", TAG):
        raise invalid(f"tag must be {TAG}")
    if category not in (None, "", "Custom", "Official"):
        raise invalid("category must be Custom or Official")
    bucket = get_settings().bucket_name
    wanted = [i.strip() for i in (template_ids or "").split(",") if i.strip()]
    if len(wanted) > MAX_IDS:
        raise invalid(f"ids accepts at most {MAX_IDS} ids")
    answer: dict[str, Any] = {"TotalCount": "0", "PageNumber": str(number), "PageSize": str(size)}
    if category == "Official":
        return {**answer, "TemplateList": []}
    if wanted:
        valid = [i for i in wanted if _TEMPLATE_ID.match(i)]
        records = store.get_many(CiTemplateDoc, project_id, valid)
        found = {r.id for r in records}
        answer.update(TotalCount=str(len(records)), TemplateList=[template_view(r, bucket) for r in records])
        missing = [i for i in dict.fromkeys(wanted) if i not in found]
        return {**answer, "NonExistTIDs": missing} if missing else answer
    if name:
        matching = [r for r in _walk(project_id, NAME_SCAN) if name in r.doc.name]
        page = matching[(number - 1) * size : number * size]
        return {
            **answer,
            "TotalCount": str(len(matching)),
            "TemplateList": [template_view(r, bucket) for r in page],
        }
    records = _walk(project_id, number * size)[(number - 1) * size :]
    total = store.count(CiTemplateDoc, project_id)
    return {**answer, "TotalCount": str(total), "TemplateList": [template_view(r, bucket) for r in records]}
