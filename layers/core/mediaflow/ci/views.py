"""JobsDetail, Template and Queue as CI spells them: element names, order, every scalar a string.

JobsDetail follows seed 002 (Code, Message, JobId, State, CreationTime, StartTime, EndTime,
QueueId, Tag, Input, Operation); describe, list and the callback add ``Progress`` (0-100), and
``Operation.MediaResult`` appears once the job succeeded: ``OutputFile`` {Bucket, Region,
ObjectPrefix, ObjectName...} where the real key is ObjectPrefix + ObjectName (ObjectPrefix is the
project's ``outputs/<project>/``; ObjectName the user's own path, as in CI's sample).

Extension (not in CI): ``Operation.SmartCoverResult`` on success - the picked size and format,
whether fewer good frames than Count were found (``Fallback``, with ``Message`` saying why) and
one ``Cover`` per file, best first: Key (ObjectPrefix + ObjectName; named apart from ObjectName,
which is a list in MediaResult), Rank, Time (s), Score and its parts (0-1), Fallback and, for a
fallback cover, the check it failed (``Rejected``).
"""

from __future__ import annotations

from typing import Any

from mediaflow import clock
from mediaflow.ci.records import CiQueueDoc, CiTemplateDoc, CoverJobDoc, CoverResult, PickedCover
from mediaflow.jobs import cost
from mediaflow.records.model import Record
from mediaflow.records.states import CoverJobState

QUEUE_CATEGORY = "Transcoding"
MAX_SIZE, MAX_CONCURRENT = 10000, 10
SMART_COVER = ("Format", "Width", "Height", "Count", "DeleteDuplicates")
OUTPUT = ("Region", "Bucket", "Object")
_SCORE_PARTS = (("Sharpness", "sharpness"), ("Exposure", "exposure"), ("Contrast", "contrast"))


def ci_time(key_time: str | None) -> str:
    """``2022-06-27T15:23:10+0000``, or ``-`` until the moment happened."""
    return clock.ci_style(clock.parse_key_time(key_time)) if key_time else "-"


def _flag(value: Any) -> str:
    return "true" if value else "false"


def _cover(cover: PickedCover, prefix: str) -> dict[str, Any]:
    score = cover.score
    out: dict[str, Any] = {
        "Key": prefix + cover.object_name,
        "Rank": str(cover.rank),
        "Time": f"{cover.timestamp_s:.3f}",
        "Score": f"{float(score.get('total', 0.0)):.4f}",
    }
    for name, key in (*_SCORE_PARTS, ("Colorfulness", "colourfulness")):
        out[name] = f"{float(score.get(key, 0.0)):.4f}"
    out["Fallback"] = _flag(cover.fallback)
    if cover.rejected:
        out["Rejected"] = str(cover.rejected)
    return out


def _ordered(values: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """The stored dict in CI's element order."""
    return {n: values[n] for n in names if values.get(n) is not None}


def _results(doc: CoverJobDoc, result: CoverResult) -> dict[str, Any]:
    media = {
        "OutputFile": {
            "Bucket": doc.output["Bucket"],
            "Region": doc.output["Region"],
            "ObjectPrefix": result.object_prefix,
            "ObjectName": [c.object_name for c in result.covers],
        }
    }
    extension = {
        "Format": result.format,
        "Width": str(result.width),
        "Height": str(result.height),
        "Count": str(len(result.covers)),
        "Fallback": _flag(result.fallback),
        "Message": result.message,
        "Cover": [_cover(c, result.object_prefix) for c in result.covers],
        "ComputeSeconds": f"{doc.compute_s:.3f}",
        "EstimatedCostUsd": f"{cost.usd(doc.gb_s):.6f}",
    }
    return {"MediaResult": media, "SmartCoverResult": extension}


def _message(doc: CoverJobDoc) -> str:
    if doc.error_message:
        return doc.error_message
    return doc.result.message if doc.result and doc.result.fallback else ""


def jobs_detail(record: Record[CoverJobDoc], *, progress: bool = True) -> dict[str, Any]:
    """One JobsDetail; ``progress=False`` gives exactly the submit answer's elements."""
    doc = record.doc
    detail: dict[str, Any] = {
        "Code": doc.error_code or "Success",
        "Message": _message(doc),
        "JobId": record.id,
        "State": record.status,
        "CreationTime": ci_time(record.created_at),
        "StartTime": ci_time(doc.start_time),
        "EndTime": ci_time(doc.end_time),
        "QueueId": doc.queue_id,
        "Tag": doc.tag,
    }
    if progress:
        detail["Progress"] = str(doc.progress)
    detail["Input"] = {"BucketId": doc.bucket, "Object": doc.input_object, "Region": doc.region}
    operation: dict[str, Any] = {}
    if doc.template_id:
        operation["TemplateId"] = doc.template_id
    else:
        operation["SmartCover"] = _ordered(doc.smart_cover or {}, SMART_COVER)
    operation["Output"] = _ordered(doc.output, OUTPUT)
    if doc.user_data is not None:
        operation["UserData"] = doc.user_data
    operation["JobLevel"] = str(doc.job_level)
    if record.status == CoverJobState.SUCCESS and doc.result:
        operation.update(_results(doc, doc.result))
    detail["Operation"] = operation
    return detail


def template_view(record: Record[CiTemplateDoc], bucket: str) -> dict[str, Any]:
    return {
        "Tag": record.doc.tag,
        "Name": record.doc.name,
        "TemplateId": record.id,
        "BucketId": bucket,
        "Category": "Custom",
        "SmartCover": _ordered(record.doc.smart_cover, SMART_COVER),
        "CreateTime": ci_time(record.created_at),
        "UpdateTime": ci_time(record.updated_at or record.created_at),
    }


def queue_view(record: Record[CiQueueDoc]) -> dict[str, Any]:
    notify = record.doc.notify.model_dump()
    names = ("Url", "Event", "Type", "State", "ResultFormat", "MqMode", "MqRegion", "MqName")
    return {
        "QueueId": record.id,
        "Name": record.doc.name,
        "State": record.status,
        "NotifyConfig": {n: str(notify[n]) for n in names if notify.get(n) is not None},
        "MaxSize": str(MAX_SIZE),
        "MaxConcurrent": str(MAX_CONCURRENT),
        "UpdateTime": ci_time(record.updated_at or record.created_at),
        "CreateTime": ci_time(record.created_at),
        "Category": QUEUE_CATEGORY,
    }
