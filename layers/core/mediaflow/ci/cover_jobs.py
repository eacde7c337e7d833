"""SmartCover jobs: submit (``POST /jobs``), describe (``GET /jobs/<ids>``), cancel (``PUT
/jobs/<id>?cancel``), as seed 002 and the CI digest describe them.

Submit checks everything it can before answering: the request (``models``), the template, the
output location and wildcards, the callback URL, room in the queue (MaxSize), and that the input
object exists (``ResourceNotFound``, 400). The job then waits in the priority line (``lines``)
as Submitted - or in Pause when its queue is paused - and a worker is woken with a token.
The job record is ``ci.records.CoverJobDoc``; the worker is ``ci.cover_worker``.
Cover parameters are resolved at submit (from the template when TemplateId is given, which wins
over an inline SmartCover), so the job runs with what it was answered.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from mediaflow import clock, ids
from mediaflow.api.ci_errors import NOT_MODIFIABLE, invalid
from mediaflow.ci import callbacks, locations, pause_line, queues, templates
from mediaflow.ci.models import CoverParams, OperationSpec, SubmitRequest, parse
from mediaflow.ci.records import CoverJobDoc, JobCallback
from mediaflow.ci.views import MAX_SIZE, jobs_detail
from mediaflow.errors import ApiError, Conflict, NotFound
from mediaflow.jobs import runner
from mediaflow.net import OutboundError, validate_url
from mediaflow.records import counters, store
from mediaflow.records.model import Record, new_record
from mediaflow.records.states import CoverJobState, Kind
from mediaflow.settings import get_settings
from mediaflow.storage import objects

KIND = Kind.SMART_COVER
JOB_ID = re.compile(r"^j[0-9a-f]{32}$")
MAX_IDS = 10
PENDING = (CoverJobState.SUBMITTED, CoverJobState.PAUSE, CoverJobState.RUNNING)


def _cover(project_id: str, operation: OperationSpec) -> tuple[dict[str, Any], CoverParams]:
    """(what the job echoes, the parameters it runs with)."""
    if operation.TemplateId:
        template, params = templates.cover_params(project_id, operation.TemplateId)
        return {"template_id": template.id, "template_name": template.doc.name}, params
    params = operation.SmartCover or CoverParams()
    return {"smart_cover": params.echo()}, params


def _callback(request: SubmitRequest) -> JobCallback:
    url = request.CallBack
    if url and url != "no" and request.CallBackType != "TDMQ":
        try:
            validate_url(url, allow_loopback=get_settings().allow_loopback)
        except OutboundError as exc:
            raise invalid(f"CallBack: {exc.message}") from exc
    mq = request.CallBackMqConfig.model_dump() if request.CallBackMqConfig else None
    return callbacks.job_callback(url, request.CallBackFormat, request.CallBackType, mq)


def _check_room(project_id: str) -> None:
    names = [f"{KIND.value}#{state}" for state in PENDING]
    if sum(counters.read(project_id, names).values()) >= MAX_SIZE:
        raise ApiError(403, "QueueSaturated", f"The queue already holds {MAX_SIZE} unfinished jobs.")


def _head(key: str) -> None:
    try:
        objects.head(key)
    except NotFound as exc:
        raise ApiError(400, "ResourceNotFound", "The input object (Input.Object) does not exist.") from exc


def submit(project_id: str, data: dict[str, Any]) -> Record[CoverJobDoc]:
    request = parse(SubmitRequest, data)
    queue = queues.ensure(project_id)
    if request.QueueId and request.QueueId != queue.id:
        raise invalid(f"QueueId {request.QueueId} does not exist")
    operation = request.Operation
    echo, params = _cover(project_id, operation)
    job_id = "j" + ids.new_hex_id()
    pattern = locations.output_pattern(
        project_id, operation.Output, count=params.Count, fmt=params.Format, job_id=job_id
    )
    source = locations.input_key(project_id, request.Input.Object)
    callback = _callback(request)
    _check_room(project_id)
    _head(source)
    settings = get_settings()
    doc = CoverJobDoc(
        rank=pause_line.rank(operation.JobLevel),
        tag=request.Tag,
        queue_id=queue.id,
        bucket=settings.bucket_name,
        region=settings.region,
        input_object=request.Input.Object,
        source_key=source,
        **echo,
        params=params,
        output=operation.Output.model_dump(),
        output_pattern=pattern,
        output_bucket=locations.output_bucket(project_id, operation.Output),
        user_data=operation.UserData,
        job_level=operation.JobLevel,
        callback=callback,
    )
    record = new_record(doc, project_id, job_id, clock.key_time(clock.now()))
    stored = store.create(replace(record, lookup=pause_line.waiting_lookup(record)))
    return queues.admit(stored)


def describe(project_id: str, job_ids: str) -> dict[str, Any]:
    """JobsDetail of up to 10 comma-separated ids, in the order asked; unknown ones (including
    other projects' jobs) in NonExistJobIds."""
    wanted = list(dict.fromkeys(i.strip() for i in job_ids.split(",") if i.strip()))
    if not wanted:
        raise invalid("JobId is required")
    if len(wanted) > MAX_IDS:
        raise invalid(f"at most {MAX_IDS} JobIds may be queried at once")
    records = store.get_many(CoverJobDoc, project_id, [i for i in wanted if JOB_ID.match(i)])
    found = {r.id for r in records}
    body: dict[str, Any] = {"JobsDetail": [jobs_detail(r) for r in records]}
    missing = [i for i in wanted if i not in found]
    if missing:
        body["NonExistJobIds"] = missing
    return body


def cancel(project_id: str, job_id: str) -> Record[CoverJobDoc]:
    """Submitted or Pause -> Cancel (out of every line); a running or ended job is not modified."""
    from mediaflow.ci.cover_worker import COVER_JOBS

    try:
        if not JOB_ID.match(job_id):
            raise NotFound(job_id)
        return runner.cancel(COVER_JOBS, project_id, job_id, "Canceled by the user.")
    except NotFound as exc:
        raise invalid(f"JobId {job_id} does not exist") from exc
    except Conflict as exc:
        raise invalid(f"{NOT_MODIFIABLE} (State {exc}).") from exc
