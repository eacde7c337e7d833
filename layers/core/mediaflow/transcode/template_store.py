"""Custom transcoding templates of a project, and ``resolve`` for every template id (preset or custom).

Records: kind ``TEMPLATE``, id = the integer template id as text (custom ids come from the
project's ``template`` sequence starting at 100000; 1-999 are the system presets, never stored),
body ``TemplateDoc``. Each name is held by a lock item (``records.names``), so names are unique
per project even under racing writers. A template that belongs to a template group is changed and
deleted only through its group.
"""

from __future__ import annotations

from typing import TypeVar

from mediaflow import clock
from mediaflow.errors import Conflict, NotFound
from mediaflow.records import counters, store
from mediaflow.records.model import Record, RecordDoc, new_record
from mediaflow.records.names import Claim, NameLock, Release, claims_failed
from mediaflow.records.transaction import Cancelled, NewRecord, Op, RemoveRecord, ReplaceRecord
from mediaflow.transcode import presets
from mediaflow.transcode.records import TemplateDoc
from mediaflow.transcode.spec import RenditionSpec
from mediaflow.transcode.templates import Template, to_spec

SCOPE = "TPLNAME"
FIRST_CUSTOM_ID = 100000
ATTEMPTS = 5


class TemplateNotFound(NotFound):
    """No template with this id in the caller's project (nor a preset with it)."""


class TemplateNameTaken(Conflict):
    def __init__(self, name: str) -> None:
        super().__init__(f"template name {name} exists")
        self.name = name


class OwnedByGroup(Conflict):
    """The template was made by a template group; change or delete the group instead."""

    def __init__(self, template_id: int, group_id: str) -> None:
        super().__init__(f"template {template_id} belongs to template group {group_id}")
        self.template_id = template_id
        self.group_id = group_id


def name_lock(project_id: str, name: str, template_id: int | str) -> NameLock:
    return NameLock(project_id, SCOPE, name, str(template_id))


def new_id(project_id: str) -> int:
    return counters.next_id(project_id, "template", start=FIRST_CUSTOM_ID)


def template_record(
    project_id: str, template_id: int, template: Template, group_id: str | None = None
) -> Record[TemplateDoc]:
    doc = TemplateDoc(template=template.view(), group_id=group_id or None)
    return new_record(doc, project_id, str(template_id), clock.key_time(clock.now()))


def template_of(record: Record[TemplateDoc]) -> Template:
    return Template.model_validate(record.doc.template)


def group_of(record: Record[TemplateDoc]) -> str | None:
    return record.doc.group_id or None


def get_record(project_id: str, template_id: int) -> Record[TemplateDoc]:
    try:
        return store.get(TemplateDoc, project_id, str(template_id))
    except NotFound as exc:
        raise TemplateNotFound(f"template {template_id}") from exc


def _name_taken(exc: Cancelled) -> TemplateNameTaken | None:
    taken = claims_failed(exc, SCOPE)
    return TemplateNameTaken(taken[0].name) if taken else None


def create(project_id: str, template: Template) -> int:
    """Store a new custom template (already ``validated``); raises ``TemplateNameTaken``."""
    template_id = new_id(project_id)
    record = template_record(project_id, template_id, template)
    try:
        store.transact([NewRecord(record), Claim(name_lock(project_id, template.template_name, template_id))])
    except Cancelled as exc:
        raise _name_taken(exc) or Conflict(str(exc)) from exc
    return template_id


def update(project_id: str, template_id: int, template: Template) -> None:
    """Replace a custom template; a rename moves its name lock in the same transaction."""
    for _ in range(ATTEMPTS):
        current = get_record(project_id, template_id)
        group_id = group_of(current)
        if group_id:
            raise OwnedByGroup(template_id, group_id)
        old_name = template_of(current).template_name
        ops: list[Op] = [ReplaceRecord(current.evolve(template=template.view()))]
        if old_name != template.template_name:
            ops += [
                Release(name_lock(project_id, old_name, template_id)),
                Claim(name_lock(project_id, template.template_name, template_id)),
            ]
        try:
            store.transact(ops)
            return
        except Cancelled as exc:
            taken = _name_taken(exc)
            if taken:
                raise taken from exc
    raise Conflict(f"template {template_id}: too many concurrent writers")


def delete(project_id: str, template_id: int) -> None:
    """Delete a custom template and free its name."""
    for _ in range(ATTEMPTS):
        current = get_record(project_id, template_id)
        group_id = group_of(current)
        if group_id:
            raise OwnedByGroup(template_id, group_id)
        name = template_of(current).template_name
        try:
            store.transact([RemoveRecord(current), Release(name_lock(project_id, name, template_id))])
            return
        except Cancelled:
            continue
    raise Conflict(f"template {template_id}: too many concurrent writers")


def resolve(project_id: str, template_id: int) -> Template:
    """The template behind an id of the caller's project - a preset or a custom one - ready for
    ``templates.to_spec``; raises ``TemplateNotFound`` (another project's id looks the same)."""
    preset = presets.get(template_id)
    if preset is not None:
        return preset
    if template_id < FIRST_CUSTOM_ID:
        raise TemplateNotFound(f"template {template_id}")
    return template_of(get_record(project_id, template_id))


def rendition(project_id: str, template_id: int, output_name: str) -> RenditionSpec:
    """The encoding spec of one output of a task; raises ``TemplateNotFound``."""
    return to_spec(template_id, resolve(project_id, template_id), output_name)


def find(project_id: str, template_ids: list[int]) -> list[tuple[int, Template]]:
    """The ids that exist for this project, in the order asked (one batch read); unknown ids are
    left out."""
    custom = [str(i) for i in template_ids if i >= FIRST_CUSTOM_ID]
    stored = {int(r.id): template_of(r) for r in store.get_many(TemplateDoc, project_id, custom)}
    found = []
    for template_id in template_ids:
        template = presets.get(template_id) or stored.get(template_id)
        if template is not None:
            found.append((template_id, template))
    return found


R = TypeVar("R", bound=RecordDoc)


def page_of(project_id: str, model: type[R], page: int, size: int) -> tuple[list[Record[R]], int]:
    """Records ``page * size`` .. ``(page + 1) * size - 1`` of a kind, oldest first, and the total.

    The index is read in creation order with ``Limit`` set to what is still missing, so at most
    ``(page + 1) * size`` items are read, and none when the page lies past the total count.
    """
    count = store.count(model, project_id)
    wanted = (page + 1) * size
    if page * size >= count:
        return [], count
    records: list[Record[R]] = []
    cursor: str | None = None
    while len(records) < wanted:
        found = store.list_page(
            model, project_id, limit=wanted - len(records), cursor=cursor, newest_first=False
        )
        records += found.records
        cursor = found.cursor
        if cursor is None:
            break
    return records[page * size : wanted], count


def list_custom(project_id: str, page: int, size: int) -> tuple[list[tuple[int, Template]], int]:
    records, count = page_of(project_id, TemplateDoc, page, size)
    return [(int(r.id), template_of(r)) for r in records], count
