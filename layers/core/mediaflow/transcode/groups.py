"""Template groups (MPC): one definition that owns one custom template per rendition.

A group is ``name``, 1-9 ``videos`` (width, height, bitrate, optional stream_name) and the settings
its renditions share (``audio``, ``video_common``, ``common``). Creating it creates one template per
videos entry, named ``<group name>_<stream_name>`` (or ``_<index>``, from 0), in the same
transaction as the group and every name lock, so a clash (MPC.10230 group name, MPC.10091
template name) leaves nothing behind. Updating keeps the template id of each position, creates
templates for added entries and deletes those of removed ones; deleting removes them all.
The templates belong to the group: the template API will not change or delete them.

Records: kind ``TEMPLATE_GROUP``, id = ``group_id`` (32 hex), body ``TemplateGroupDoc`` (the
definition with its defaults filled in, and the template ids); the name is held by a ``GRPNAME#<name>`` lock.
Group names follow the template name rule. A group may not be audio only (pack_type 5/6, or
video_common.output_policy discard): its point is the video renditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from mediaflow import clock, ids
from mediaflow.errors import Conflict, NotFound
from mediaflow.records import store
from mediaflow.records.model import Record, new_record
from mediaflow.records.names import Claim, NameLock, Reassign, Release, claims_failed, holder
from mediaflow.records.transaction import Cancelled, NewRecord, Op, RemoveRecord, ReplaceRecord
from mediaflow.transcode import template_store
from mediaflow.transcode.records import TemplateDoc, TemplateGroupDoc
from mediaflow.transcode.templates import (
    AUDIO_ONLY_PACKS,
    NAME_MAX,
    NAME_PATTERN,
    AudioSettings,
    CommonSettings,
    Height,
    Template,
    TemplateError,
    TemplateName,
    VideoBitrate,
    VideoCommon,
    VideoSettings,
    Width,
    check_name,
    is_reserved,
    validated,
)

SCOPE = "GRPNAME"
MAX_VIDEOS = 9
ATTEMPTS = 5
_OWN_FIELDS = {"width", "height", "bitrate"}
VIDEO_ONLY = "a template group makes video renditions"


StreamName = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX, json_schema_extra={"pattern": NAME_PATTERN}),
    AfterValidator(check_name),
]


class GroupVideo(BaseModel):
    width: Width
    height: Height
    bitrate: VideoBitrate
    stream_name: StreamName | None = None


class GroupDefinition(BaseModel):
    """POST body of a template group (PUT adds ``group_id``)."""

    name: TemplateName
    videos: list[GroupVideo] = Field(min_length=1, max_length=MAX_VIDEOS)
    audio: AudioSettings | None = None
    video_common: VideoCommon | None = None
    common: CommonSettings


@dataclass(frozen=True)
class Group:
    group_id: str
    definition: GroupDefinition  # defaults filled in
    template_ids: list[int]

    def view(self) -> dict[str, Any]:
        shown = self.definition.model_dump(mode="json", exclude_none=True)
        return {
            "group_id": self.group_id,
            "name": shown["name"],
            "template_ids": self.template_ids,
            "videos": [
                {"template_id": tid, "width": v["width"], "height": v["height"], "bitrate": v["bitrate"]}
                for tid, v in zip(self.template_ids, shown["videos"], strict=True)
            ],
            "audio": shown.get("audio"),
            "video_common": shown.get("video_common"),
            "common": shown["common"],
        }


class GroupNotFound(NotFound):
    """No template group with this id (or name) in the caller's project."""


class GroupNameTaken(Conflict):
    pass


def _field(error: TemplateError, index: int) -> str:
    """Where a member template's error points in the group's own request."""
    head, _, rest = error.field.partition(".")
    if head != "video":
        return error.field
    return f"videos.{index}.{rest}" if rest in _OWN_FIELDS else f"video_common{'.' + rest if rest else ''}"


def members(definition: GroupDefinition) -> list[Template]:
    """The validated templates a definition makes, one per videos entry; raises ``TemplateError``."""
    common = definition.video_common or VideoCommon()
    if definition.common.pack_type in AUDIO_ONLY_PACKS:
        raise TemplateError("common.pack_type", f"{VIDEO_ONLY}: 5 and 6 are audio only")
    if common.output_policy == "discard":
        raise TemplateError("video_common.output_policy", f"{VIDEO_ONLY}: it cannot be discard")
    made: list[Template] = []
    for index, video in enumerate(definition.videos):
        name = f"{definition.name}_{video.stream_name if video.stream_name else index}"
        where = f"videos.{index}.stream_name" if video.stream_name else "name"
        if len(name) > NAME_MAX:
            raise TemplateError(where, f"the template name {name!r} is longer than {NAME_MAX} characters")
        if is_reserved(name):
            raise TemplateError("name", "names starting with sys_ are reserved for system templates")
        if any(t.template_name == name for t in made):
            raise TemplateError(where, f"the template name {name!r} is made twice")
        own = video.model_dump(exclude={"stream_name"})
        settings = VideoSettings.model_validate({**common.model_dump(exclude_unset=True), **own})
        template = Template(
            template_name=name, video=settings, audio=definition.audio, common=definition.common
        )
        try:
            made.append(validated(template))
        except TemplateError as exc:
            raise TemplateError(_field(exc, index), exc.reason) from exc
    return made


def _normalized(definition: GroupDefinition, made: list[Template]) -> GroupDefinition:
    first = made[0].video
    assert first is not None  # groups are never audio only (see members)
    shared = VideoCommon.model_validate(first.model_dump(exclude=_OWN_FIELDS))
    return definition.model_copy(update={"audio": made[0].audio, "video_common": shared})


def _lock(project_id: str, name: str, group_id: str) -> NameLock:
    return NameLock(project_id, SCOPE, name, group_id)


def _doc(definition: GroupDefinition, template_ids: list[int]) -> TemplateGroupDoc:
    return TemplateGroupDoc(
        group=definition.model_dump(mode="json", exclude_none=True), template_ids=template_ids
    )


def group_of(record: Record[TemplateGroupDoc]) -> Group:
    return Group(record.id, GroupDefinition.model_validate(record.doc.group), list(record.doc.template_ids))


def _raise_taken(exc: Cancelled) -> None:
    """A lost name claim as the domain error (the group's name first); other losses return."""
    group_names = claims_failed(exc, SCOPE)
    if group_names:
        raise GroupNameTaken(group_names[0].name) from exc
    taken = claims_failed(exc, template_store.SCOPE)
    if taken:
        raise template_store.TemplateNameTaken(taken[0].name) from exc


def create(project_id: str, definition: GroupDefinition) -> Group:
    """The group and its templates, all or nothing; raises ``TemplateError``, ``GroupNameTaken``,
    ``TemplateNameTaken``."""
    made = members(definition)
    shown = _normalized(definition, made)
    group_id = ids.new_hex_id()
    template_ids = [template_store.new_id(project_id) for _ in made]
    group = new_record(_doc(shown, template_ids), project_id, group_id, clock.key_time(clock.now()))
    ops: list[Op] = [
        NewRecord(group),
        Claim(_lock(project_id, definition.name, group_id)),
    ]
    for template_id, template in zip(template_ids, made, strict=True):
        ops.append(NewRecord(template_store.template_record(project_id, template_id, template, group_id)))
        ops.append(Claim(template_store.name_lock(project_id, template.template_name, template_id)))
    try:
        store.transact(ops)
    except Cancelled as exc:
        _raise_taken(exc)
        raise
    return Group(group_id, shown, template_ids)


def _record(project_id: str, group_id: str) -> Record[TemplateGroupDoc]:
    if not ids.is_hex_id(group_id):
        raise GroupNotFound(f"template group {group_id}")
    try:
        return store.get(TemplateGroupDoc, project_id, group_id)
    except NotFound as exc:
        raise GroupNotFound(f"template group {group_id}") from exc


def get(project_id: str, group_id: str) -> Group:
    return group_of(_record(project_id, group_id))


def find_by_name(project_id: str, name: str) -> Group | None:
    owner = holder(project_id, SCOPE, name)
    try:
        return get(project_id, owner) if owner else None
    except GroupNotFound:
        return None


def list_groups(project_id: str, page: int, size: int) -> tuple[list[Group], int]:
    records, total = template_store.page_of(project_id, TemplateGroupDoc, page, size)
    return [group_of(r) for r in records], total


def _members_of(project_id: str, record: Record[TemplateGroupDoc]) -> list[Record[TemplateDoc] | None]:
    """The group's template records in its order (None where one is missing), one batch read."""
    wanted = [str(i) for i in record.doc.template_ids]
    found = {r.id: r for r in store.get_many(TemplateDoc, project_id, wanted)}
    return [found.get(i) for i in wanted]


def _lock_moves(project_id: str, old: dict[str, str], new: dict[str, str]) -> list[Op]:
    """Name locks from ``{name: template id}`` before to after: release, claim, or change owner."""
    lock = template_store.name_lock
    moves: list[Op] = [Release(lock(project_id, n, old[n])) for n in old.keys() - new.keys()]
    moves += [Claim(lock(project_id, n, new[n])) for n in new.keys() - old.keys()]
    moves += [
        Reassign(lock(project_id, n, new[n]), old[n]) for n in old.keys() & new.keys() if old[n] != new[n]
    ]
    return moves


def update(project_id: str, group_id: str, definition: GroupDefinition) -> Group:
    """Redefine a group: position i keeps its template id; added entries get new templates,
    removed ones are deleted; names move with their templates. Raises like ``create`` and
    ``GroupNotFound``."""
    made = members(definition)
    shown = _normalized(definition, made)
    fresh: list[int] = []  # ids allocated for added entries, kept across retries
    for _ in range(ATTEMPTS):
        current = _record(project_id, group_id)
        old = _members_of(project_id, current)
        template_ids: list[int] = []
        ops: list[Op] = []
        for index, template in enumerate(made):
            existing = old[index] if index < len(old) else None
            if existing is not None:
                template_ids.append(int(existing.id))
                ops.append(ReplaceRecord(existing.evolve(template=template.view(), group_id=group_id)))
                continue
            used = sum(1 for i in template_ids if i in fresh)
            if used == len(fresh):
                fresh.append(template_store.new_id(project_id))
            template_ids.append(fresh[used])
            ops.append(NewRecord(template_store.template_record(project_id, fresh[used], template, group_id)))
        ops += [RemoveRecord(r) for r in old[len(made) :] if r is not None]
        before = {template_store.template_of(r).template_name: r.id for r in old if r is not None}
        after = {t.template_name: str(i) for t, i in zip(made, template_ids, strict=True)}
        ops += _lock_moves(project_id, before, after)
        old_name = current.doc.group["name"]
        if old_name != definition.name:
            ops += [
                Release(_lock(project_id, old_name, group_id)),
                Claim(_lock(project_id, definition.name, group_id)),
            ]
        ops.append(ReplaceRecord(current.evolve(**dict(_doc(shown, template_ids)))))
        try:
            store.transact(ops)
            return Group(group_id, shown, template_ids)
        except Cancelled as exc:
            _raise_taken(exc)
    raise Conflict(f"template group {group_id}: too many concurrent writers")


def delete(project_id: str, group_id: str) -> None:
    """Delete a group, its templates and all their names; raises ``GroupNotFound``."""
    for _ in range(ATTEMPTS):
        current = _record(project_id, group_id)
        ops: list[Op] = [
            RemoveRecord(current),
            Release(_lock(project_id, current.doc.group["name"], group_id)),
        ]
        for record in _members_of(project_id, current):
            if record is not None:
                held = template_store.template_of(record).template_name
                ops += [RemoveRecord(record), Release(template_store.name_lock(project_id, held, record.id))]
        try:
            store.transact(ops)
            return
        except Cancelled:
            continue
    raise Conflict(f"template group {group_id}: too many concurrent writers")


def group_templates(project_id: str, group_id: str) -> list[tuple[int, Template]]:
    """The templates of a group, in its videos order, ready for ``templates.to_spec`` (what
    CreateUploadVideo's TemplateGroupId uses). Raises ``GroupNotFound`` for an unknown group
    (another project's looks the same) and ``TemplateNotFound`` if a member went missing."""
    group = get(project_id, group_id)
    return [
        (template_id, template_store.resolve(project_id, template_id)) for template_id in group.template_ids
    ]
