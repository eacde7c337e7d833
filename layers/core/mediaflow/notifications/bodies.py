"""The callback body each family documents, built from a domain event's payload.

- VOD: the event JSON itself (``EventTime, EventType, VideoId, Status, Extend...``)
- MPC: ``{"event_type": ..., "transcode_info": {...}}`` (the payload carries it)
- CI:  ``{"EventName":"TaskFinish","JobsDetail":[...]}`` or ``<Response><EventName>TaskFinish</EventName>
  <JobsDetail>...</JobsDetail></Response>`` (the payload is one JobsDetail)
"""

from __future__ import annotations

import json
from typing import Literal

from mediaflow import xmlcodec
from mediaflow.events.model import DomainEvent

Format = Literal["JSON", "XML"]


def render(event: DomainEvent, fmt: Format) -> tuple[str, bytes]:
    """(content type, body bytes) of the callback for ``event``."""
    if event.family == "ci":
        jobs_detail = event.payload
        if fmt == "XML":
            xml = xmlcodec.dumps("Response", {"EventName": "TaskFinish", "JobsDetail": jobs_detail})
            return "application/xml", xml.encode("utf-8")
        body = {"EventName": "TaskFinish", "JobsDetail": [jobs_detail]}
        return "application/json", json.dumps(body, separators=(",", ":")).encode("utf-8")
    return "application/json", json.dumps(event.payload, separators=(",", ":")).encode("utf-8")
