"""Every kind of queued work, by record kind: what the job reaper and watchdog recover."""

from __future__ import annotations

from typing import Any

from mediaflow.ci.cover_worker import COVER_JOBS
from mediaflow.jobs.kind import JobKind
from mediaflow.mediaops.animated_tasks import ANIMATIONS
from mediaflow.mediaops.extract_tasks import EXTRACTS
from mediaflow.mediaops.thumbnails import THUMBNAILS
from mediaflow.records.states import Kind
from mediaflow.remux.worker import REMUX
from mediaflow.transcode.parts import PARTS
from mediaflow.transcode.task_worker import TASKS

BY_KIND: dict[Kind, JobKind[Any]] = {
    kind.model.KIND: kind for kind in (TASKS, PARTS, COVER_JOBS, THUMBNAILS, ANIMATIONS, EXTRACTS, REMUX)
}
