"""Who hears that a SmartCover job ended: the CI ``TaskFinish`` event, through the one path.

The event (payload = the final JobsDetail) always goes to the SNS topic; ``notifications``
delivers the HTTP callback, whose body ``notifications.bodies`` renders as CI documents it
(``{"EventName":"TaskFinish","JobsDetail":[...]}`` or ``<Response><EventName>...``). Where the
callback goes, first match wins:

1. the job's ``CallBackType`` TDMQ: no HTTP callback - the SNS topic stands in for the TDMQ
   queue/topic (subscribe with a filter on ``event_type`` TaskFinish and ``project_id``; the
   job keeps its ``CallBackMqConfig`` for reference);
2. the job's ``CallBack`` ``no``: no callback at all (not the queue's, not the project's);
3. the job's ``CallBack`` URL, in ``CallBackFormat`` (default XML);
4. the queue's NotifyConfig when State On with Event TaskFinish: Type Url -> its Url, in the
   job's CallBackFormat if given, else the queue's ResultFormat (default XML); Type TDMQ -> as 1;
5. otherwise the project's notification configuration (``PUT .../notification``).
"""

from __future__ import annotations

from typing import Any, Literal

from mediaflow import clock
from mediaflow.ci import queues
from mediaflow.ci.records import CoverJobDoc, JobCallback
from mediaflow.ci.views import jobs_detail
from mediaflow.events.model import CallbackTarget, new_event
from mediaflow.events.publisher import publish
from mediaflow.records.model import Record
from mediaflow.records.states import Kind

EVENT = "TaskFinish"


def job_callback(request_callback: str | None, fmt: str | None, kind: str | None, mq: Any) -> JobCallback:
    """What the job itself asked for, as kept in its record."""
    return JobCallback(url=request_callback, format=fmt, type=kind or "Url", mq=mq)


def _format(value: str | None) -> Literal["JSON", "XML"]:
    return "JSON" if value == "JSON" else "XML"


def targets(job: Record[CoverJobDoc]) -> tuple[CallbackTarget | None, bool]:
    """(the HTTP callback, whether the project's configuration may be used instead)."""
    asked = job.doc.callback
    if asked.type == "TDMQ" or asked.url == "no":
        return None, False
    if asked.url:
        return CallbackTarget(url=asked.url, format=_format(asked.format)), True
    notify = queues.notify_config(queues.ensure(job.project_id))
    if notify.sends(EVENT):
        if notify.Type == "TDMQ" or not notify.Url:
            return None, False
        return CallbackTarget(url=notify.Url, format=_format(asked.format or notify.ResultFormat)), True
    return None, True


def publish_task_finish(job: Record[CoverJobDoc]) -> None:
    callback, use_project = targets(job)
    publish(
        new_event(
            event_type=EVENT,
            family="ci",
            project_id=job.project_id,
            resource_kind=Kind.SMART_COVER.value,
            resource_id=job.id,
            version=job.version,
            occurred_at=clock.now(),
            payload=jobs_detail(job),
            callback=callback,
            use_project_callback=use_project,
        )
    )
