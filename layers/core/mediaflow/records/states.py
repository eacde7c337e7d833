"""Every kind's states (as enums) and allowed transitions, in one place.

A record never moves along an edge that is not listed here; the store checks each write against
these tables, and the write itself is conditional on the version it read, so two writers racing
(a cancel against a completion, a duplicate SQS delivery) leave one consistent state.

Code names a state by its enum member (``TaskState.SUCCEEDED``), never by a string, so mypy
catches a misspelt status. The enums are ``StrEnum``: a member is the string the API shows.
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
    TRANSCODE_PART = "TRANSCODE_PART"
    THUMBNAIL = "THUMBNAIL"
    ANIMATED_GRAPHICS = "ANIMATED_GRAPHICS"
    EXTRACT_METADATA = "EXTRACT_METADATA"
    WATERMARK_TEMPLATE = "WATERMARK_TEMPLATE"
    REMUX = "REMUX"
    BUCKET_GRANT = "BUCKET_GRANT"
    HLS_KEY = "HLS_KEY"


class PartState(StrEnum):
    """A part of a split transcoding task (a chunk, the audio, the join)."""

    HELD = "HELD"  # beyond the task's cap on parts in flight (or waiting for the parts it joins)
    WAITING = "WAITING"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class VideoState(StrEnum):
    """VOD video (CreateUploadVideo, UploadMediaByURL)."""

    UPLOADING = "Uploading"
    UPLOAD_SUCC = "UploadSucc"
    UPLOAD_FAIL = "UploadFail"
    TRANSCODING = "Transcoding"
    NORMAL = "Normal"
    TRANSCODE_FAIL = "TranscodeFail"


class DeliveryState(StrEnum):
    PENDING = "PENDING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class TaskState(StrEnum):
    """MPC transcoding task (seed 003's status values)."""

    WAITING = "WAITING"
    TRANSCODING = "TRANSCODING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class ThumbnailState(StrEnum):
    """MPC snapshot task (ListThumbnailsTask's status values)."""

    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class MediaTaskState(StrEnum):
    """MPC animated-graphics and metadata-extraction tasks (their query's status values; INIT is
    never used: a task is WAITING from its creation)."""

    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    SUCCEED = "SUCCEED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class RemuxState(StrEnum):
    """MPC packaging (remux) task (``huaweicloudsdkmpc``'s RemuxTask status values; INIT is
    never used: a task is WAITING as soon as it is accepted)."""

    WAITING = "WAITING"
    PROCESSING = "PROCESSING"
    SUCCEED = "SUCCEED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"


class GrantState(StrEnum):
    """A project's authorization of one of the user's buckets."""

    AUTHORIZED = "AUTHORIZED"
    REVOKED = "REVOKED"


class UrlJobState(StrEnum):
    """VOD URL-ingest job (seed 004's Status values)."""

    PENDING = "PENDING"
    DOWNLOADING = "DOWNLOADING"
    UPLOADING = "UPLOADING"
    UPLOAD_SUCCESS = "UPLOAD_SUCCESS"
    SUCCESS = "SUCCESS"
    DOWNLOAD_FAIL = "DOWNLOAD_FAIL"
    UPLOAD_FAIL = "UPLOAD_FAIL"


class CoverJobState(StrEnum):
    """CI SmartCover job (seed 002's State values)."""

    SUBMITTED = "Submitted"
    RUNNING = "Running"
    SUCCESS = "Success"
    FAILED = "Failed"
    PAUSE = "Pause"
    CANCEL = "Cancel"


class QueueState(StrEnum):
    ACTIVE = "Active"
    PAUSED = "Paused"


class ConfigState(StrEnum):
    """Configuration records (templates, groups, CI templates): one state, edited in place."""

    ACTIVE = "ACTIVE"


class SessionState(StrEnum):
    USED = "USED"


@dataclass(frozen=True)
class StateMachine:
    kind: Kind
    initial: str
    transitions: dict[str, frozenset[str]]
    terminal: frozenset[str]
    also_created_in: frozenset[str] = frozenset()  # states a record may be created in, besides initial

    def may_start_in(self, status: str) -> bool:
        return status == self.initial or status in self.also_created_in

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self.transitions)

    def can(self, current: str, target: str) -> bool:
        return target in self.transitions.get(current, frozenset())

    def check(self, current: str, target: str) -> None:
        if current != target and not self.can(current, target):
            raise InvalidTransition(self.kind.value, current, target)


def _edges(table: dict[StrEnum, set[StrEnum]]) -> dict[str, frozenset[str]]:
    return {str(state): frozenset(str(t) for t in targets) for state, targets in table.items()}


V = VideoState
# VOD video lifecycle. Any state after the first upload accepts a new source (RefreshUploadVideo
# overwrite), which sends the video through UploadSucc/UploadFail again; a task still running for
# the old source then ends without touching the video.
_SOURCE_LANDED: set[StrEnum] = {V.UPLOAD_SUCC, V.UPLOAD_FAIL}
VIDEO = StateMachine(
    kind=Kind.VIDEO,
    initial=V.UPLOADING,
    transitions=_edges(
        {
            V.UPLOADING: _SOURCE_LANDED,
            V.UPLOAD_SUCC: _SOURCE_LANDED | {V.TRANSCODING, V.NORMAL},
            V.UPLOAD_FAIL: _SOURCE_LANDED,
            V.TRANSCODING: _SOURCE_LANDED | {V.NORMAL, V.TRANSCODE_FAIL},
            V.NORMAL: _SOURCE_LANDED | {V.TRANSCODING},
            V.TRANSCODE_FAIL: _SOURCE_LANDED | {V.TRANSCODING},
        }
    ),
    terminal=frozenset({V.UPLOAD_FAIL, V.NORMAL, V.TRANSCODE_FAIL}),
)

D = DeliveryState
# One callback delivery of one event to one URL. FAILED means it sits in the dead-letter queue;
# a replay (of a FAILED or even a SUCCEEDED delivery) starts a new cycle of attempts.
DELIVERY = StateMachine(
    kind=Kind.DELIVERY,
    initial=D.PENDING,
    transitions=_edges(
        {
            D.PENDING: {D.SUCCEEDED, D.RETRYING, D.FAILED},
            D.RETRYING: {D.SUCCEEDED, D.RETRYING, D.FAILED},
            D.SUCCEEDED: {D.PENDING},
            D.FAILED: {D.PENDING},
        }
    ),
    terminal=frozenset({D.SUCCEEDED, D.FAILED}),
)

T = TaskState
# MPC transcoding task. The three end states are final. TRANSCODING -> WAITING is the job
# runner's crash recovery: a task whose worker died goes back to the line for another attempt.
TRANSCODE = StateMachine(
    kind=Kind.TRANSCODE,
    initial=T.WAITING,
    transitions=_edges(
        {
            T.WAITING: {T.TRANSCODING, T.CANCELED, T.FAILED},
            T.TRANSCODING: {T.SUCCEEDED, T.FAILED, T.CANCELED, T.WAITING},
            T.SUCCEEDED: set(),
            T.FAILED: set(),
            T.CANCELED: set(),
        }
    ),
    terminal=frozenset({T.SUCCEEDED, T.FAILED, T.CANCELED}),
)

_CONFIG = _edges({ConfigState.ACTIVE: set()})
# Templates and template groups are configuration: one state, edited in place.
TEMPLATE = StateMachine(Kind.TEMPLATE, ConfigState.ACTIVE, _CONFIG, frozenset())
TEMPLATE_GROUP = StateMachine(Kind.TEMPLATE_GROUP, ConfigState.ACTIVE, _CONFIG, frozenset())

U = UrlJobState
# VOD URL-ingest job (UploadMediaByURL). DOWNLOADING: the worker claimed it and is reading the
# source; UPLOADING: the first bytes are being written to storage (first multipart part, or the
# single PUT of a source smaller than one part) while the download goes on; UPLOAD_SUCCESS: the
# object is stored and the upload path is probing it; SUCCESS: the probe said media (UploadSucc).
# The probe's verdict may arrive before the worker records UPLOAD_SUCCESS, hence UPLOADING -> SUCCESS.
URL_JOB = StateMachine(
    kind=Kind.URL_JOB,
    initial=U.PENDING,
    transitions=_edges(
        {
            U.PENDING: {U.DOWNLOADING, U.DOWNLOAD_FAIL},
            U.DOWNLOADING: {U.UPLOADING, U.DOWNLOAD_FAIL, U.UPLOAD_FAIL},
            U.UPLOADING: {U.UPLOAD_SUCCESS, U.SUCCESS, U.DOWNLOAD_FAIL, U.UPLOAD_FAIL},
            U.UPLOAD_SUCCESS: {U.SUCCESS, U.UPLOAD_FAIL},
            U.SUCCESS: set(),
            U.DOWNLOAD_FAIL: set(),
            U.UPLOAD_FAIL: set(),
        }
    ),
    terminal=frozenset({U.SUCCESS, U.DOWNLOAD_FAIL, U.UPLOAD_FAIL}),
)
# A used UploadMediaByURL SessionId (dedupe window); one state, refreshed in place once expired.
URL_SESSION = StateMachine(
    Kind.URL_SESSION, SessionState.USED, _edges({SessionState.USED: set()}), frozenset()
)

C = CoverJobState
# CI SmartCover job. Pause: the project's queue is paused, the job is out of the waiting line
# until the queue is Active again; a running job always finishes (no Running -> Pause/Cancel), or
# goes back to Submitted when its worker died (the job runner's crash recovery).
SMART_COVER = StateMachine(
    kind=Kind.SMART_COVER,
    initial=C.SUBMITTED,
    transitions=_edges(
        {
            C.SUBMITTED: {C.RUNNING, C.PAUSE, C.CANCEL, C.FAILED},
            C.PAUSE: {C.SUBMITTED, C.CANCEL},
            C.RUNNING: {C.SUCCESS, C.FAILED, C.SUBMITTED},
            C.SUCCESS: set(),
            C.FAILED: set(),
            C.CANCEL: set(),
        }
    ),
    terminal=frozenset({C.SUCCESS, C.FAILED, C.CANCEL}),
)
# CI templates are configuration (one state); a project's CI queue is Active or Paused.
CI_TEMPLATE = StateMachine(Kind.CI_TEMPLATE, ConfigState.ACTIVE, _CONFIG, frozenset())
Q = QueueState
CI_QUEUE = StateMachine(
    Kind.CI_QUEUE, Q.ACTIVE, _edges({Q.ACTIVE: {Q.PAUSED}, Q.PAUSED: {Q.ACTIVE}}), frozenset()
)

P = PartState
# A part is held until the task's cap lets it in, waits in the transcoding line, runs; a worker
# that dies (or a crash) puts it back (RUNNING -> WAITING) until its attempts are used up.
TRANSCODE_PART = StateMachine(
    kind=Kind.TRANSCODE_PART,
    initial=P.HELD,
    transitions=_edges(
        {
            P.HELD: {P.WAITING, P.CANCELED},
            P.WAITING: {P.RUNNING, P.CANCELED, P.FAILED},
            P.RUNNING: {P.DONE, P.FAILED, P.CANCELED, P.WAITING},
            P.DONE: set(),
            P.FAILED: set(),
            P.CANCELED: set(),
        }
    ),
    terminal=frozenset({P.DONE, P.FAILED, P.CANCELED}),
    also_created_in=frozenset({P.WAITING}),  # a part let in at once is made waiting
)

TH = ThumbnailState
# MPC snapshot task: like a transcoding task (PROCESSING -> WAITING is the runner's crash recovery).
THUMBNAIL = StateMachine(
    kind=Kind.THUMBNAIL,
    initial=TH.WAITING,
    transitions=_edges(
        {
            TH.WAITING: {TH.PROCESSING, TH.CANCELED, TH.FAILED},
            TH.PROCESSING: {TH.SUCCEEDED, TH.FAILED, TH.CANCELED, TH.WAITING},
            TH.SUCCEEDED: set(),
            TH.FAILED: set(),
            TH.CANCELED: set(),
        }
    ),
    terminal=frozenset({TH.SUCCEEDED, TH.FAILED, TH.CANCELED}),
)
MT = MediaTaskState
_MEDIA_TASK = _edges(
    {
        MT.WAITING: {MT.PROCESSING, MT.CANCELED, MT.FAILED},
        MT.PROCESSING: {MT.SUCCEED, MT.FAILED, MT.CANCELED, MT.WAITING},
        MT.SUCCEED: set(),
        MT.FAILED: set(),
        MT.CANCELED: set(),
    }
)
_MEDIA_ENDED = frozenset({MT.SUCCEED, MT.FAILED, MT.CANCELED})
ANIMATED_GRAPHICS = StateMachine(Kind.ANIMATED_GRAPHICS, MT.WAITING, _MEDIA_TASK, _MEDIA_ENDED)
EXTRACT_METADATA = StateMachine(Kind.EXTRACT_METADATA, MT.WAITING, _MEDIA_TASK, _MEDIA_ENDED)
WATERMARK_TEMPLATE = StateMachine(Kind.WATERMARK_TEMPLATE, ConfigState.ACTIVE, _CONFIG, frozenset())
R = RemuxState
# MPC remux task. FAILED -> WAITING is the retry the API offers (PUT /remux); PROCESSING ->
# WAITING the job runner's crash recovery.
REMUX = StateMachine(
    kind=Kind.REMUX,
    initial=R.WAITING,
    transitions=_edges(
        {
            R.WAITING: {R.PROCESSING, R.CANCELED, R.FAILED},
            R.PROCESSING: {R.SUCCEED, R.FAILED, R.CANCELED, R.WAITING},
            R.SUCCEED: set(),
            R.FAILED: {R.WAITING},
            R.CANCELED: set(),
        }
    ),
    terminal=frozenset({R.SUCCEED, R.FAILED, R.CANCELED}),
)
G = GrantState
# A bucket grant is revoked and granted again in place (one record per project and bucket).
BUCKET_GRANT = StateMachine(
    Kind.BUCKET_GRANT,
    G.AUTHORIZED,
    _edges({G.AUTHORIZED: {G.REVOKED}, G.REVOKED: {G.AUTHORIZED}}),
    frozenset(),
)
# HLS key material: written once, never changed (one state).
HLS_KEY = StateMachine(Kind.HLS_KEY, ConfigState.ACTIVE, _CONFIG, frozenset())

MACHINES: dict[Kind, StateMachine] = {
    m.kind: m
    for m in (
        VIDEO,
        DELIVERY,
        TRANSCODE,
        TEMPLATE,
        TEMPLATE_GROUP,
        URL_JOB,
        URL_SESSION,
        SMART_COVER,
        CI_TEMPLATE,
        CI_QUEUE,
        TRANSCODE_PART,
        THUMBNAIL,
        ANIMATED_GRAPHICS,
        EXTRACT_METADATA,
        WATERMARK_TEMPLATE,
        REMUX,
        BUCKET_GRANT,
        HLS_KEY,
    )
}


def machine(kind: Kind) -> StateMachine:
    return MACHINES[kind]
