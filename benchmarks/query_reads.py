"""DynamoDB items read by one page of the seed-003 task query, at two table sizes.

Counts what DynamoDB reports per call (Query ScannedCount, BatchGetItem/GetItem items) while
the real query code runs against moto with the template's table. The figure must not grow with
the table: a page reads its own items plus one counter.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]

from mediaflow import aws, clock, settings  # noqa: E402
from mediaflow.records import store  # noqa: E402
from mediaflow.records.states import Kind  # noqa: E402
from mediaflow.transcode import task_query  # noqa: E402
from tests.support.aws import environment, moto_stack  # noqa: E402


class ReadCounter:
    def __init__(self) -> None:
        self.items = 0

    def __call__(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "Query":
            self.items += int(parsed.get("ScannedCount", 0))
        elif model.name == "GetItem":
            self.items += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(v) for v in parsed.get("Responses", {}).values())


def fill(project: str, count: int, start: int) -> None:
    """``count`` tasks; every other one moved on to TRANSCODING (so a status filter has work)."""
    for number in range(start, start + count):
        record = store.Record(
            kind=Kind.TRANSCODE,
            project_id=project,
            id=str(number),
            status="WAITING",
            created_at=clock.key_time(clock.now()),
            doc={
                "task_id": number,
                "source_key": "uploads/x",
                "output_dir": "outputs/x/",
                "trans_template_id": [1],
            },
        )
        store.create(record)
        if number % 2:
            store.update(Kind.TRANSCODE, project, str(number), lambda r: replace(r, status="TRANSCODING"))


def measure(project: str, counter: ReadCounter, **query: Any) -> int:
    counter.items = 0
    task_query.query(
        project,
        task_ids=[],
        status=query.get("status"),
        start_time=None,
        end_time=None,
        page=query.get("page"),
        size=query.get("size"),
    )
    return counter.items


def main() -> int:
    with moto_stack() as stack, environment(stack.env):
        settings.reset_settings()
        aws.reset_clients()
        counter = ReadCounter()
        aws.client("dynamodb").meta.events.register("after-call.dynamodb.*", counter)
        project = "b" * 32
        rows = []
        made = 0
        for size in (int(os.environ.get("SMALL", "60")), int(os.environ.get("LARGE", "600"))):
            fill(project, size - made, made + 1)
            made = size
            rows.append(
                (
                    size,
                    measure(project, counter, size="10"),
                    measure(project, counter, size="10", status="TRANSCODING"),
                    measure(project, counter, size="10", page="2"),
                )
            )
        print("tasks in project | items read: page 0 (size 10) | status filter | page 2")
        for size, first, filtered, third in rows:
            print(f"{size:16d} | {first:28d} | {filtered:13d} | {third:6d}")
        grows = rows[0][1:] != rows[1][1:]
        print("grows with the table:", "YES" if grows else "no")
        return 1 if grows else 0


if __name__ == "__main__":
    sys.exit(main())
