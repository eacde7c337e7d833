"""DynamoDB reads of one ListTranscodingTask query (seed 003) as the table and the window grow.

The real query code (``transcode.task_query.query``) runs against moto with the template's table;
every call it makes is metered as DynamoDB would bill it:

- items read: a Query's ScannedCount (``Select=COUNT`` too: DynamoDB reads what it counts), and
  every key asked of GetItem/BatchGetItem (a missing key is charged as well);
- read capacity units (RCU) from the items' sizes: a Query's items summed and rounded up to 4 KB
  (at least one unit, even when it finds nothing), half a unit per 4 KB on an index (eventually
  consistent); a strongly consistent GetItem / BatchGetItem one unit per 4 KB per key, at least
  one even for a missing key.

Tasks have realistic bodies (a preset rendition, the request as the API stores it), are spread
at random moments over the last 30 days, and every other one is moved on to TRANSCODING. The same
queries run at ``SMALL`` (40) and ``LARGE`` (400) tasks: pages without a window, and time windows
(``start_time``/``end_time``) of 1 hour to 365 days, with and without a status filter.

Target (verdict): no query reads more because the table is bigger. A page reads its own items;
its total reads one counter, or for a window the per-day/hour/minute counters that tile it
(``records.counters.window``: at most width-in-days + 164 keys) plus the keys created in its two
partial edge minutes. So every query must stay within (page + 1) x size + that bound at both table
sizes, a bound in which the number of tasks does not appear. For comparison the output also shows
what counting the window with ``Select=COUNT`` (the previous design) reads: every task in it.
"""

from __future__ import annotations

import math
import os
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "layers" / "core")]

from benchmarks.common import load_line, verdict  # noqa: E402 - needs the repo on sys.path
from mediaflow import aws, clock, settings  # noqa: E402
from mediaflow.records import counters, store  # noqa: E402
from mediaflow.records.model import new_record  # noqa: E402
from mediaflow.transcode import task_query, template_store  # noqa: E402
from mediaflow.transcode.records import TaskDoc  # noqa: E402
from tests.support.aws import environment, moto_stack  # noqa: E402

SIZES = (int(os.environ.get("SMALL", "40")), int(os.environ.get("LARGE", "400")))
SPREAD = timedelta(days=30)
PAGE_SIZE = 10
WINDOWS = {
    "1 hour": timedelta(hours=1),
    "1 day": timedelta(days=1),
    "30 days": timedelta(days=30),
    "365 days": timedelta(days=365),
}
EDGE_BUCKETS = 2 * (23 + 59)  # hours and minutes at most at the two ends of a window
EDGE_TASKS = 5  # created in the minute the windows end in: read by the edge count, not a counter


def item_size(item: dict[str, Any]) -> int:
    """An item's size by DynamoDB's rules (names + values; numbers ~ 1 byte per 2 digits)."""

    def value(v: dict[str, Any]) -> int:
        (kind, raw), *_ = v.items()
        if kind == "S":
            return len(raw.encode())
        if kind == "N":
            return (len(raw.strip("-").replace(".", "")) + 1) // 2 + 1
        if kind in ("M", "L"):
            inner = raw.items() if kind == "M" else enumerate(raw)
            return 3 + sum((len(str(k).encode()) if kind == "M" else 0) + value(x) + 1 for k, x in inner)
        return 1

    return sum(len(name.encode()) + value(v) for name, v in item.items())


def query_units(items: list[dict[str, Any]]) -> int:
    """4 KB units of one Query call: its items' sizes summed, rounded up; at least one."""
    return max(1, math.ceil(sum(map(item_size, items)) / 4096))


class Meter:
    """What the instrumented client's reads would cost: items per part of the query, and RCU."""

    def __init__(self, replay: Any) -> None:
        self.replay = replay  # an unmetered client: re-reads a COUNT query's items for their sizes
        self.params: dict[str, Any] = {}
        self.items: Counter[str] = Counter()
        self.rcu: dict[str, float] = defaultdict(float)

    def reset(self) -> None:
        self.items, self.rcu = Counter(), defaultdict(float)

    def before(self, params: dict[str, Any], **_: Any) -> None:
        self.params = dict(params)

    def after(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        params = self.params
        if model.name == "Query":
            part = "edges" if params.get("Select") == "COUNT" else "page"
            items = parsed.get("Items", [])
            if part == "edges":
                items = self.replay.query(**{k: v for k, v in params.items() if k != "Select"})["Items"]
            self.items[part] += int(parsed.get("ScannedCount", 0))
            per_4k = 0.5 if "IndexName" in params or not params.get("ConsistentRead") else 1.0
            self.rcu[part] += query_units(items) * per_4k
        elif model.name in ("GetItem", "BatchGetItem"):
            if model.name == "GetItem":
                asked, found = [params], [parsed["Item"]] if "Item" in parsed else []
            else:
                (table, request), *_ = params["RequestItems"].items()
                asked, found = [{**request, "Key": k} for k in request["Keys"]], parsed["Responses"][table]
            part = "counters" if all(a["Key"]["sk"]["S"].startswith("COUNTER#") for a in asked) else "items"
            self.items[part] += len(asked)
            per_4k = 1.0 if asked and asked[0].get("ConsistentRead") else 0.5
            missing = len(asked) - len(found)
            self.rcu[part] += (missing + sum(math.ceil(item_size(i) / 4096) for i in found)) * per_4k


@dataclass(frozen=True)
class Query:
    label: str
    page: int = 0
    status: str | None = None
    width: timedelta | None = None  # a window ending at the reference moment


@dataclass(frozen=True)
class Reading:
    items: Counter[str]
    rcu: dict[str, float]
    total: int
    bound: int
    count_items: int  # what Select=COUNT over the window would read
    count_rcu: float


class Seeder:
    """Writes tasks in bulk with the store's own item layout and counter moves.

    ``store.create`` would be the natural way, but moto copies the whole table for every item of
    every TransactWriteItems, so creating 400 tasks one by one takes many minutes. The items and
    counter deltas here come from the product's functions (``store.to_item``, ``counters.on_create``,
    ``counters.on_status_change``), summed and written with BatchWriteItem; the totals each query
    returns are checked against a count of the seeded moments, so a wrong seed cannot pass.
    """

    def __init__(self, project: str) -> None:
        self.project = project
        self.counts: Counter[tuple[str, str]] = Counter()  # counter (pk, sk) -> value so far
        self.task_sizes: list[int] = []
        self.spec = template_store.rendition(project, 131, "bench_1_131")  # system preset: H.264 720p HLS

    @property
    def mean_kb(self) -> float:
        return sum(self.task_sizes) / max(1, len(self.task_sizes)) / 1024

    def add(self, moments: list[datetime], first: int) -> None:
        where = {"bucket": "mediaflow-bench", "location": "us-east-1"}
        items = []
        for number, moment in enumerate(moments, start=first):
            doc = TaskDoc(
                task_id=number,
                source_key=f"uploads/{self.project}/v{number}/source.mp4",
                output_dir=f"outputs/{self.project}/renditions/{number}/",
                trans_template_id=[131],
                renditions=[self.spec],
                request={"input": {**where, "object": f"v{number}.mp4"}, "output": {**where, "object": "o"}},
            )
            record = new_record(doc, self.project, str(number), clock.key_time(moment))
            record = replace(record, version=1, updated_at=record.created_at)
            moves = counters.on_create(record)
            if number % 2:  # every other task moved on, as a worker's claim does
                moves += counters.on_status_change(record, "TRANSCODING")
                record = replace(record, status="TRANSCODING", version=2)
            items.append(store.to_item(record))
            self.task_sizes.append(item_size(items[-1]))
            for move in moves:
                update = move["Update"]
                self.counts[update["Key"]["pk"]["S"], update["Key"]["sk"]["S"]] += int(
                    update["ExpressionAttributeValues"][":d"]["N"]
                )
        items += [
            {"pk": {"S": pk}, "sk": {"S": sk}, "value": {"N": str(n)}} for (pk, sk), n in self.counts.items()
        ]
        ddb, table = aws.client("dynamodb"), settings.get_settings().table_name
        for start in range(0, len(items), 25):
            request = {table: [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]}
            while request:
                request = ddb.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}


def run(project: str, meter: Meter, query: Query, moments: list[datetime], now: datetime) -> Reading:
    start = end = None
    edge_keys, count_items, count_rcu = 0, 0, 0.0
    if query.width is not None:
        lo, hi = now - query.width, now
        start, end = lo.strftime("%Y%m%d%H%M%S"), hi.strftime("%Y%m%d%H%M%S")
        edges = [(lo, lo.replace(second=0) + timedelta(minutes=1)), (hi.replace(second=0), hi)]
        edge_keys = sum(1 for t in moments for a, b in edges if a <= t <= b)
        count_items, count_rcu = count_over(project, query.status, lo, hi)
    meter.reset()
    answer = task_query.query(
        project,
        task_ids=[],
        status=query.status,
        start_time=start,
        end_time=end,
        page=str(query.page),
        size=str(PAGE_SIZE),
    )
    counters = 1 if query.width is None else query.width.days + EDGE_BUCKETS + 1
    bound = (query.page + 1) * PAGE_SIZE + counters + edge_keys
    return Reading(Counter(meter.items), dict(meter.rcu), answer["total"], bound, count_items, count_rcu)


def count_over(project: str, status: str | None, lo: datetime, hi: datetime) -> tuple[int, float]:
    """Items and RCU of counting the window with Select=COUNT over the index (unmetered)."""
    ddb = aws.client("dynamodb")
    kind = f"P#{project}#{TaskDoc.KIND.value}"
    index, pk = ("gsi2", f"{kind}#{status}") if status else ("gsi1", kind)
    query: dict[str, Any] = {
        "TableName": settings.get_settings().table_name,
        "IndexName": index,
        "KeyConditionExpression": f"{index}pk = :h AND {index}sk BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":h": {"S": pk},
            ":lo": {"S": clock.key_time(lo)},
            ":hi": {"S": clock.key_time(hi) + "~"},
        },
    }
    items, rcu = 0, 0.0
    while True:
        page = ddb.query(**query)
        items += page["Count"]
        rcu += query_units(page["Items"]) * 0.5
        if "LastEvaluatedKey" not in page:
            return items, rcu
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]


QUERIES = [
    Query("page 0"),
    Query("page 0, TRANSCODING", status="TRANSCODING"),
    Query("page 2", page=2),
    *(Query(f"window {name}", width=width) for name, width in WINDOWS.items()),
    *(Query(f"window {name}, TRANSCODING", status="TRANSCODING", width=w) for name, w in WINDOWS.items()),
]


def expected_total(query: Query, moments: list[datetime], now: datetime) -> int:
    """The right answer, counted from the moments the tasks were given (odd numbers: TRANSCODING)."""
    lo = now - query.width if query.width else datetime.min.replace(tzinfo=now.tzinfo)
    return sum(
        1
        for number, moment in enumerate(moments, start=1)
        if lo <= moment < now + timedelta(seconds=1) and (query.status is None or number % 2)
    )


def main() -> int:
    print(load_line())
    rng = random.Random(9)  # noqa: S311 - a fixed, reproducible spread, not a secret
    now = clock.now().replace(microsecond=0)
    moments = [now - SPREAD * rng.random() for _ in range(max(SIZES))]
    minute = now.replace(second=0)
    moments[:EDGE_TASKS] = [minute + (now - minute) * rng.random() for _ in range(EDGE_TASKS)]
    project = "b" * 32
    readings: dict[tuple[str, int], Reading] = {}
    wrong: list[str] = []
    with moto_stack() as stack, environment(stack.env):
        settings.reset_settings()
        aws.reset_clients()
        meter = Meter(stack.client("dynamodb"))
        events = aws.client("dynamodb").meta.events
        events.register("provide-client-params.dynamodb.*", meter.before)
        events.register("after-call.dynamodb.*", meter.after)
        seeder, made = Seeder(project), 0
        for size in SIZES:
            seeder.add(moments[made:size], made + 1)
            made = size
            for query in QUERIES:
                reading = run(project, meter, query, moments[:size], now)
                readings[query.label, size] = reading
                if reading.total != expected_total(query, moments[:size], now):
                    wrong.append(f"{query.label} at {size} tasks: total {reading.total}")
    print(f"tasks spread over the last {SPREAD.days} days; page size {PAGE_SIZE}; items read per query")
    print(
        "query                     tasks total | page + counters + edges = read (bound) |    RCU "
        "| a Select=COUNT over the window"
    )
    for query in QUERIES:
        for size in SIZES:
            r = readings[query.label, size]
            read = sum(r.items.values())
            count = f"{r.count_items:4d} items {r.count_rcu:6.1f} RCU" if query.width else ""
            print(
                f"{query.label:25s} {size:5d} {r.total:5d} | {r.items['page']:4d} + {r.items['counters']:8d}"
                f" + {r.items['edges']:5d} = {read:4d} ({r.bound:5d}) | {sum(r.rcu.values()):6.1f} | {count}"
            )
    over = [f"{q} at {s} tasks" for (q, s), r in readings.items() if sum(r.items.values()) > r.bound]
    small, large = SIZES
    grew = [
        q.label
        for q in QUERIES
        if (q.width is None and readings[q.label, large].items != readings[q.label, small].items)
        or readings[q.label, large].items["counters"] != readings[q.label, small].items["counters"]
    ]
    print("wrong totals:", ", ".join(wrong) or "none")
    print("over the bound:", ", ".join(over) or "none")
    print(
        f"read more at {large} than at {small} tasks (beyond page and edge keys):", ", ".join(grew) or "none"
    )
    widest = readings[f"window {next(reversed(WINDOWS))}", large]
    per_task = widest.count_rcu / max(1, widest.count_items)
    even = ", ".join(
        f"{readings[f'window {n}', large].rcu.get('counters', 0) / per_task:.0f} ({n})" for n in WINDOWS
    )
    print(
        f"RCU: a Select=COUNT over a window costs ~{per_task:.2f} RCU per task in it"
        f" (items of {seeder.mean_kb:.1f} KB);"
    )
    print("the counters are strongly consistent reads, 1 RCU per key whether it exists or not: counting")
    print(f"is cheaper until a window holds about {even} tasks; the counters never grow with them.")
    return verdict(
        not (wrong or over or grew),
        f"every query's reads within (page + 1) x size + counters (width in days + {EDGE_BUCKETS}) "
        f"+ edge-minute keys at {small} and {large} tasks; totals exact",
    )


if __name__ == "__main__":
    sys.exit(main())
