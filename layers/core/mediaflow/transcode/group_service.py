"""Transcoding template group API (MPC family): create, update, query, delete.

Answers: ``{"template_group": {group_id, name, template_ids, videos[{template_id, width, height,
bitrate}], audio, video_common, common}}`` for create and update; ``{"template_group_list": [...],
"total"}`` for queries; ``204`` on delete. Errors: ``MPC.10230`` the group name exists,
``MPC.10231`` the group does not exist (HTTP 400, as MPC documents; another project's group
looks the same), ``MPC.10091`` a template name the group would make exists, ``MPC.10202`` an
invalid parameter, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mediaflow import ids
from mediaflow.api.mpc_errors import GROUP_NAME_EXISTS as GROUP_EXISTS
from mediaflow.api.mpc_errors import GROUP_NOT_FOUND
from mediaflow.errors import ApiError, Conflict
from mediaflow.records import store
from mediaflow.transcode import groups, template_store
from mediaflow.transcode.records import TemplateGroupDoc
from mediaflow.transcode.template_service import BUSY, MAX_IDS, NAME_EXISTS, invalid
from mediaflow.transcode.templates import TemplateError


class UpdateGroupRequest(groups.GroupDefinition):
    """PUT body: the whole group definition plus the id of the group it replaces."""

    group_id: str


def _answer(group: groups.Group) -> dict[str, Any]:
    return {"template_group": group.view()}


def _values(values: list[str] | None, field: str) -> list[str]:
    """Repeated and/or comma-separated query values, de-duplicated, at most 10."""
    found = list(dict.fromkeys(p.strip() for v in values or [] for p in v.split(",") if p.strip()))
    if len(found) > MAX_IDS:
        raise invalid(field, f"at most {MAX_IDS} values per request")
    return found


@contextmanager
def _mpc_errors() -> Iterator[None]:
    """The group side's errors as MPC answers."""
    try:
        yield
    except TemplateError as exc:
        raise invalid(exc.field, exc.reason) from exc
    except groups.GroupNotFound as exc:
        raise GROUP_NOT_FOUND from exc
    except groups.GroupNameTaken as exc:
        raise GROUP_EXISTS from exc
    except template_store.TemplateNameTaken as exc:
        raise ApiError(400, NAME_EXISTS.code, f"{NAME_EXISTS.message} ({exc.name})") from exc
    except Conflict as exc:
        raise BUSY from exc


def create_group(project_id: str, body: groups.GroupDefinition) -> dict[str, Any]:
    with _mpc_errors():
        group = groups.create(project_id, body)
    return _answer(group)


def update_group(project_id: str, body: UpdateGroupRequest) -> dict[str, Any]:
    definition = groups.GroupDefinition.model_validate(
        body.model_dump(exclude_unset=True, exclude={"group_id"})
    )
    with _mpc_errors():
        group = groups.update(project_id, body.group_id, definition)
    return _answer(group)


def query_groups(
    project_id: str, group_ids: list[str] | None, group_names: list[str] | None, page: int, size: int
) -> dict[str, Any]:
    """By ``group_id`` and/or ``group_name`` (unknown ones left out), else every group, paged."""
    wanted_ids, names = _values(group_ids, "group_id"), _values(group_names, "group_name")
    if not wanted_ids and not names:
        listed, total = groups.list_groups(project_id, page, size)
        return {"template_group_list": [g.view() for g in listed], "total": total}
    hex_ids = [i for i in wanted_ids if ids.is_hex_id(i)]
    found = {r.id: groups.group_of(r) for r in store.get_many(TemplateGroupDoc, project_id, hex_ids)}
    for name in names:
        by_name = groups.find_by_name(project_id, name)
        if by_name is not None:
            found.setdefault(by_name.group_id, by_name)
    ordered = [found[i] for i in wanted_ids if i in found]
    ordered += [g for g in found.values() if g.group_id not in wanted_ids]
    return {"template_group_list": [g.view() for g in ordered], "total": len(ordered)}


def delete_group(project_id: str, group_id: str) -> None:
    with _mpc_errors():
        groups.delete(project_id, group_id)
