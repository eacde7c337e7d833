"""What a record is: a typed body (one pydantic model per kind) in a versioned envelope.

Every kind's body subclasses ``RecordDoc`` and names its ``KIND``; the store reads and writes
bodies only through these models, so mypy checks every field access and pydantic every value.
Unknown stored fields are ignored on read (a field that was dropped from a model disappears on
the next write); assignments are validated.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict

from mediaflow.records.states import Kind, machine


class RecordDoc(BaseModel):
    """The body of one kind of record (stored as JSON in the item's ``doc`` attribute)."""

    KIND: ClassVar[Kind]
    # Counted per kind and status (totals of list queries); kinds never listed by count skip it,
    # so their writes are single conditional puts instead of transactions.
    COUNTED: ClassVar[bool] = True
    # Counted per day/hour/minute of creation too, so time-window totals stay cheap (counters).
    COUNTED_BY_TIME: ClassVar[bool] = False
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    def evolve(self, **changes: Any) -> Self:
        """A copy with ``changes`` applied and validated; an unknown field name is a bug."""
        unknown = set(changes) - set(type(self).model_fields)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(sorted(unknown))}")
        return type(self).model_validate({**dict(self), **changes})


D = TypeVar("D", bound=RecordDoc)


@dataclass(frozen=True)
class Record(Generic[D]):
    project_id: str
    id: str
    status: str
    created_at: str  # clock.key_time
    doc: D
    version: int = 0
    updated_at: str = ""
    lookup: tuple[str, str] | None = None  # the alternate key (gsi3pk, gsi3sk)
    expires_at: int | None = None

    @property
    def kind(self) -> Kind:
        return self.doc.KIND

    def evolve(self, *, status: str | None = None, **changes: Any) -> Record[D]:
        """This record with some body fields changed (and, optionally, a new status)."""
        return replace(self, status=status or self.status, doc=self.doc.evolve(**changes))


def new_record(
    doc: D,
    project_id: str,
    record_id: str,
    created_at: str,
    *,
    status: str | None = None,
    lookup: tuple[str, str] | None = None,
    expires_at: int | None = None,
) -> Record[D]:
    """A record not stored yet, in its kind's initial state unless ``status`` says otherwise."""
    return Record(
        project_id=project_id,
        id=record_id,
        status=status or machine(doc.KIND).initial,
        created_at=created_at,
        doc=doc,
        lookup=lookup,
        expires_at=expires_at,
    )


@dataclass(frozen=True)
class Page(Generic[D]):
    records: list[Record[D]]
    cursor: str | None  # opaque; None when there is nothing more


@dataclass(frozen=True)
class LineEntry:
    """An item found under an alternate key, before its body is read (lines may mix kinds)."""

    kind: Kind
    project_id: str
    id: str
    sort: str
