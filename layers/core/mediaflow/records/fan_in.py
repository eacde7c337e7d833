"""A fan-in: one item that knows which parts of a job are done, exactly once each.

Item ``pk=P#<project>``, ``sk=FANIN#<job>``: ``total`` (parts to wait for), ``done`` (a string
set of part ids), ``progress`` (a map part id -> percent of the parts still running) and the
summed ``compute_s``/``gb_s`` of the parts. Marking a part done is one conditional ``UpdateItem``
(``ADD done :part`` only if the set does not hold it yet): a duplicated or retried completion
changes nothing, and the one call whose add makes the set complete is told so - the only caller
that triggers what follows (the join). No read-modify-write, so a thousand parts ending at once
never collide on a version.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from mediaflow import aws
from mediaflow.settings import get_settings


def _key(project_id: str, job_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": f"FANIN#{job_id}"}}


@dataclass(frozen=True)
class FanIn:
    total: int
    done: frozenset[str] = frozenset()
    progress: dict[str, int] = field(default_factory=dict)
    compute_s: float = 0.0
    gb_s: float = 0.0


@dataclass(frozen=True)
class Marked:
    first: bool  # this call added the part (False: it was done already)
    done: int  # parts done after the call
    total: int

    @property
    def completes(self) -> bool:
        """This call is the one that made the fan-in complete."""
        return self.first and self.done == self.total


def create(project_id: str, job_id: str, total: int) -> None:
    """Start counting (a retried plan finds it and keeps what was counted)."""
    client = aws.client("dynamodb")
    with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):  # made already
        client.put_item(
            TableName=get_settings().table_name,
            Item={
                **_key(project_id, job_id),
                "kind": {"S": "fan-in"},
                "total": {"N": str(total)},
                "progress": {"M": {}},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )


def mark_done(project_id: str, job_id: str, part_id: str, *, compute_s: float, gb_s: float) -> Marked:
    client = aws.client("dynamodb")
    try:
        result = client.update_item(
            TableName=get_settings().table_name,
            Key=_key(project_id, job_id),
            UpdateExpression="ADD done :part, compute_s :c, gb_s :g REMOVE progress.#p",
            ConditionExpression="attribute_exists(pk) AND NOT contains(done, :id)",
            ExpressionAttributeNames={"#p": part_id},
            ExpressionAttributeValues={
                ":part": {"SS": [part_id]},
                ":id": {"S": part_id},
                ":c": {"N": f"{compute_s:.3f}"},
                ":g": {"N": f"{gb_s:.3f}"},
            },
            ReturnValues="ALL_NEW",
        )
    except client.exceptions.ConditionalCheckFailedException:
        state = read(project_id, job_id)
        return Marked(False, len(state.done), state.total)
    item = result["Attributes"]
    return Marked(True, len(item.get("done", {}).get("SS", [])), int(item["total"]["N"]))


def set_progress(project_id: str, job_id: str, part_id: str, percent: int) -> None:
    """A running part's progress (its heartbeat), for the job's weighted progress."""
    client = aws.client("dynamodb")
    # done already (or gone): a late heartbeat changes nothing
    with contextlib.suppress(client.exceptions.ConditionalCheckFailedException):
        client.update_item(
            TableName=get_settings().table_name,
            Key=_key(project_id, job_id),
            UpdateExpression="SET progress.#p = :v",
            ConditionExpression="attribute_exists(pk) AND NOT contains(done, :id)",
            ExpressionAttributeNames={"#p": part_id},
            ExpressionAttributeValues={":v": {"N": str(percent)}, ":id": {"S": part_id}},
        )


def read(project_id: str, job_id: str) -> FanIn:
    item = (
        aws.client("dynamodb")
        .get_item(TableName=get_settings().table_name, Key=_key(project_id, job_id), ConsistentRead=True)
        .get("Item")
    )
    if not item:
        return FanIn(total=0)
    return _parse(item)


def read_many(project_id: str, job_ids: list[str]) -> dict[str, FanIn]:
    """Several fan-ins of one project in one BatchGetItem (at most 100 ids)."""
    if not job_ids:
        return {}
    table = get_settings().table_name
    keys = [_key(project_id, j) for j in dict.fromkeys(job_ids)]
    found = aws.client("dynamodb").batch_get_item(RequestItems={table: {"Keys": keys}})["Responses"][table]
    return {i["sk"]["S"].removeprefix("FANIN#"): _parse(i) for i in found}


def _parse(item: dict[str, Any]) -> FanIn:
    progress = {k: int(v["N"]) for k, v in item.get("progress", {}).get("M", {}).items()}
    return FanIn(
        total=int(item["total"]["N"]),
        done=frozenset(item.get("done", {}).get("SS", [])),
        progress=progress,
        compute_s=float(item.get("compute_s", {}).get("N", 0)),
        gb_s=float(item.get("gb_s", {}).get("N", 0)),
    )


def delete(project_id: str, job_id: str) -> None:
    aws.client("dynamodb").delete_item(TableName=get_settings().table_name, Key=_key(project_id, job_id))
