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
    TRANSCODE = "TRANSCODE"
    TEMPLATE = "TEMPLATE"
    TEMPLATE_GROUP = "TEMPLATE_GROUP"
    URL_JOB = "URL_JOB"
    URL_SESSION = "URL_SESSION"
    SMART_COVER = "SMART_COVER"
    CI_TEMPLATE = "CI_TEMPLATE"
    CI_QUEUE = "CI_QUEUE"


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


# VOD video lifecycle. Any state after the first upload accepts a new source (RefreshUploadVideo
# overwrite), which sends the video through UploadSucc/UploadFail again; a task still running for
# the old source then ends without touching the video.
_SOURCE_LANDED = {"UploadSucc", "UploadFail"}
VIDEO = StateMachine(
    kind=Kind.VIDEO,
    initial="Uploading",
    transitions=_edges(
        {
            "Uploading": _SOURCE_LANDED,
            "UploadSucc": _SOURCE_LANDED | {"Transcoding", "Normal"},
            "UploadFail": _SOURCE_LANDED,
            "Transcoding": _SOURCE_LANDED | {"Normal", "TranscodeFail"},
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

# MPC transcoding task. A task never goes backwards; the three end states are final.
TRANSCODE = StateMachine(
    kind=Kind.TRANSCODE,
    initial="WAITING",
    transitions=_edges(
        {
            "WAITING": {"TRANSCODING", "CANCELED", "FAILED"},
            "TRANSCODING": {"SUCCEEDED", "FAILED", "CANCELED"},
            "SUCCEEDED": set(),
            "FAILED": set(),
            "CANCELED": set(),
        }
    ),
    terminal=frozenset({"SUCCEEDED", "FAILED", "CANCELED"}),
)

# Templates and template groups are configuration: one state, edited in place.
TEMPLATE = StateMachine(Kind.TEMPLATE, "ACTIVE", _edges({"ACTIVE": set()}), frozenset())
TEMPLATE_GROUP = StateMachine(Kind.TEMPLATE_GROUP, "ACTIVE", _edges({"ACTIVE": set()}), frozenset())

# VOD URL-ingest job (UploadMediaByURL). DOWNLOADING: the worker claimed it and is reading the
# source; UPLOADING: the first bytes are being written to storage (first multipart part, or the
# single PUT of a source smaller than one part) while the download goes on; UPLOAD_SUCCESS: the
# object is stored and the upload path is probing it; SUCCESS: the probe said media (UploadSucc).
# The probe's verdict may arrive before the worker records UPLOAD_SUCCESS, hence UPLOADING -> SUCCESS.
URL_JOB = StateMachine(
    kind=Kind.URL_JOB,
    initial="PENDING",
    transitions=_edges(
        {
            "PENDING": {"DOWNLOADING", "DOWNLOAD_FAIL"},
            "DOWNLOADING": {"UPLOADING", "DOWNLOAD_FAIL", "UPLOAD_FAIL"},
            "UPLOADING": {"UPLOAD_SUCCESS", "SUCCESS", "DOWNLOAD_FAIL", "UPLOAD_FAIL"},
            "UPLOAD_SUCCESS": {"SUCCESS", "UPLOAD_FAIL"},
            "SUCCESS": set(),
            "DOWNLOAD_FAIL": set(),
            "UPLOAD_FAIL": set(),
        }
    ),
    terminal=frozenset({"SUCCESS", "DOWNLOAD_FAIL", "UPLOAD_FAIL"}),
)
# A used UploadMediaByURL SessionId (dedupe window); one state, refreshed in place once expired.
URL_SESSION = StateMachine(Kind.URL_SESSION, "USED", _edges({"USED": set()}), frozenset())

# CI SmartCover job. Pause: the project's queue is paused, the job is out of the waiting line
# until the queue is Active again; a running job always finishes (no Running -> Pause/Cancel).
SMART_COVER = StateMachine(
    kind=Kind.SMART_COVER,
    initial="Submitted",
    transitions=_edges(
        {
            "Submitted": {"Running", "Pause", "Cancel", "Failed"},
            "Pause": {"Submitted", "Cancel"},
            "Running": {"Success", "Failed"},
            "Success": set(),
            "Failed": set(),
            "Cancel": set(),
        }
    ),
    terminal=frozenset({"Success", "Failed", "Cancel"}),
)
# CI templates are configuration (one state); a project's CI queue is Active or Paused.
CI_TEMPLATE = StateMachine(Kind.CI_TEMPLATE, "ACTIVE", _edges({"ACTIVE": set()}), frozenset())
CI_QUEUE = StateMachine(
    Kind.CI_QUEUE, "Active", _edges({"Active": {"Paused"}, "Paused": {"Active"}}), frozenset()
)

MACHINES: dict[Kind, StateMachine] = {
    Kind.VIDEO: VIDEO,
    Kind.DELIVERY: DELIVERY,
    Kind.TRANSCODE: TRANSCODE,
    Kind.TEMPLATE: TEMPLATE,
    Kind.TEMPLATE_GROUP: TEMPLATE_GROUP,
    Kind.URL_JOB: URL_JOB,
    Kind.URL_SESSION: URL_SESSION,
    Kind.SMART_COVER: SMART_COVER,
    Kind.CI_TEMPLATE: CI_TEMPLATE,
    Kind.CI_QUEUE: CI_QUEUE,
}


def machine(kind: Kind) -> StateMachine:
    return MACHINES[kind]
