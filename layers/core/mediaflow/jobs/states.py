"""Every kind's states and allowed transitions, in one place.

A record never moves along an edge that is not listed here; the store checks each write against
these tables, and the write itself is conditional on the version it read, so two writers racing
(a cancel against a completion, a duplicate SQS delivery) leave one consistent state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mediaflow.errors import InvalidTransition


class Kind(StrEnum):
    VIDEO = "VIDEO"
    DELIVERY = "DELIVERY"


@dataclass(frozen=True)
class StateMachine:
    kind: Kind
    initial: str
    transitions: dict[str, frozenset[str]]
    terminal: frozenset[str]

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions)

    def can(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if current != target and not self.can(current, target):
            raise InvalidTransition(self.kind.value, current, target)


def _edges(table: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    return {state: frozenset(targets) for state, targets in table.items()}


# VOD video lifecycle. Any settled state accepts a new source (RefreshUploadVideo overwrite),
# which sends the video through UploadSucc/UploadFail again.
_SOURCE_LANDED = {"UploadSucc", "UploadFail"}
VIDEO = StateMachine(
    kind=Kind.VIDEO,
    initial="Uploading",
    transitions=_edges(
        {
            "Uploading": _SOURCE_LANDED,
            "UploadSucc": _SOURCE_LANDED | {"Transcoding", "Normal"},
            "UploadFail": _SOURCE_LANDED,
            "Transcoding": {"Normal", "TranscodeFail"},
            "Normal": _SOURCE_LANDED | {"Transcoding"},
            "TranscodeFail": _SOURCE_LANDED | {"Transcoding"},
        }
    ),
    terminal=frozenset({"UploadFail", "Normal", "TranscodeFail"}),
)

# One callback delivery of one event to one URL. FAILED means it sits in the dead-letter queue;
# a replay (of a FAILED or even a SUCCEEDED delivery) starts a new cycle of attempts.
DELIVERY = StateMachine(
    kind=Kind.DELIVERY,
    initial="PENDING",
    transitions=_edges(
        {
            "PENDING": {"SUCCEEDED", "RETRYING", "FAILED"},
            "RETRYING": {"SUCCEEDED", "RETRYING", "FAILED"},
            "SUCCEEDED": {"PENDING"},
            "FAILED": {"PENDING"},
        }
    ),
    terminal=frozenset({"SUCCEEDED", "FAILED"}),
)

MACHINES: dict[Kind, StateMachine] = {Kind.VIDEO: VIDEO, Kind.DELIVERY: DELIVERY}


def machine(kind: Kind) -> StateMachine:
    return MACHINES[kind]
