"""Transcoding template API (MPC family): create, update, query, delete, and the system presets.

Answers and errors are MPC's: ``201 {"template_id"}``; ``{"template_array": [{"template_id",
"template"}], "total"}``; ``204`` on delete; errors ``{"error_code", "error_msg"}`` with
``MPC.10202`` (invalid parameter, naming the field), ``MPC.10089`` (the template does not exist;
HTTP 400 as MPC documents) and ``MPC.10091`` (the name exists). A template of another project is
answered exactly like a missing one.
"""

from __future__ import annotations

from typing import Any

from mediaflow.api import mpc_errors
from mediaflow.errors import ApiError, Conflict
from mediaflow.transcode import presets, template_store
from mediaflow.transcode.templates import SYSTEM_PREFIX, Template, TemplateError, is_reserved, validated

MAX_IDS = 10
NOT_FOUND = mpc_errors.TEMPLATE_NOT_FOUND
NAME_EXISTS = mpc_errors.TEMPLATE_NAME_EXISTS
BUSY = mpc_errors.TEMPLATE_BUSY


def invalid(field: str, reason: str) -> ApiError:
    return mpc_errors.invalid(f"{field}: {reason}")


class UpdateTemplateRequest(Template):
    """PUT body: the whole template plus the id of the custom template it replaces."""

    template_id: int


def checked(template: Template, *, name_field: str = "template_name") -> Template:
    """Cross-field rules and defaults (``templates.validated``), and the reserved ``sys_`` prefix."""
    if is_reserved(template.template_name):
        raise invalid(name_field, f"names starting with {SYSTEM_PREFIX} are reserved for system templates")
    try:
        return validated(Template.model_validate(template.model_dump(exclude_unset=True)))
    except TemplateError as exc:
        raise invalid(exc.field, exc.reason) from exc


def template_entry(template_id: int, template: Template) -> dict[str, Any]:
    return {"template_id": template_id, "template": template.view()}


def parse_ids(values: list[str] | None, field: str) -> list[int]:
    """``?template_id=1&template_id=2`` or ``?template_id=1,2`` (or both): at most 10 integers."""
    ids: list[int] = []
    for part in (p.strip() for value in values or [] for p in value.split(",")):
        if not part:
            continue
        if not (part.isascii() and part.isdigit()):
            raise invalid(field, f"{part!r} is not an integer id")
        if int(part) not in ids:
            ids.append(int(part))
    if len(ids) > MAX_IDS:
        raise invalid(field, f"at most {MAX_IDS} ids per request")
    return ids


def create_template(project_id: str, body: Template) -> dict[str, Any]:
    template = checked(body)
    try:
        return {"template_id": template_store.create(project_id, template)}
    except template_store.TemplateNameTaken as exc:
        raise NAME_EXISTS from exc


def _custom_id(template_id: int) -> int:
    if presets.is_system_id(template_id):
        raise invalid("template_id", f"{template_id} is a system template; it cannot be changed or deleted")
    if template_id < template_store.FIRST_CUSTOM_ID:
        raise NOT_FOUND
    return template_id


def update_template(project_id: str, body: UpdateTemplateRequest) -> dict[str, Any]:
    template_id = _custom_id(body.template_id)
    fields = body.model_dump(exclude_unset=True, exclude={"template_id"})
    template = checked(Template.model_validate(fields))
    try:
        template_store.update(project_id, template_id, template)
    except template_store.TemplateNotFound as exc:
        raise NOT_FOUND from exc
    except template_store.TemplateNameTaken as exc:
        raise NAME_EXISTS from exc
    except template_store.OwnedByGroup as exc:
        raise invalid("template_id", f"{exc}; update the template group instead") from exc
    except Conflict as exc:
        raise BUSY from exc
    return {}


def query_templates(project_id: str, template_ids: list[str] | None, page: int, size: int) -> dict[str, Any]:
    """By id (presets included, unknown ids left out), else the project's custom templates, paged."""
    ids = parse_ids(template_ids, "template_id")
    if ids:
        found = template_store.find(project_id, ids)
        return {"template_array": [template_entry(i, t) for i, t in found], "total": len(found)}
    listed, total = template_store.list_custom(project_id, page, size)
    return {"template_array": [template_entry(i, t) for i, t in listed], "total": total}


def delete_template(project_id: str, template_id: int) -> None:
    try:
        template_store.delete(project_id, _custom_id(template_id))
    except template_store.TemplateNotFound as exc:
        raise NOT_FOUND from exc
    except template_store.OwnedByGroup as exc:
        raise invalid("template_id", f"{exc}; delete the template group instead") from exc
    except Conflict as exc:
        raise BUSY from exc


def list_presets() -> dict[str, Any]:
    entries = [template_entry(i, t) for i, t in presets.all_presets()]
    return {"template_array": entries, "total": len(entries)}
