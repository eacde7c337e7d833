"""RemuxComplete (MPC ``{"event_type", "remux_info"}``) through the one notification path."""

from __future__ import annotations

from mediaflow.events.publisher import publish_for
from mediaflow.records.model import Record
from mediaflow.remux.records import RemuxDoc
from mediaflow.remux.views import remux_view

EVENT = "RemuxComplete"


def publish_remux_complete(record: Record[RemuxDoc]) -> None:
    payload = {"event_type": EVENT, "remux_info": remux_view(record)}
    publish_for(record, event_type=EVENT, family="mpc", payload=payload)
