"""Transcoding tasks without encoding: queueing, priority claims, cancel, and the seed-003 query."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from mediaflow import clock, settings
from mediaflow.job_kinds import BY_KIND
from mediaflow.jobs import recovery, runner
from mediaflow.records import store
from mediaflow.records.model import Record
from mediaflow.transcode import tasks
from mediaflow.transcode.records import TaskDoc
from mediaflow.transcode.spec import RenditionSpec, VideoSpec
from mediaflow.transcode.task_worker import TASKS
from tests.integration.test_auth import create_project
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event

SPEC = RenditionSpec(template_id=1, pack_type="MP4", video=VideoSpec(height=240), output_name="out_240")


def queue(project: str, priority: int = 6) -> Record[TaskDoc]:
    return tasks.queue_task(
        project,
        source_key=f"uploads/{project}/{'0' * 32}/source.mp4",
        out_dir=f"outputs/{project}/x/",
        renditions=[SPEC],
        template_ids=[1],
        priority=priority,
    )


def claim_own(project: str) -> Record[TaskDoc] | None:
    """Claim until a task of ``project`` comes up (the waiting line is shared by all projects)."""
    while (claimed := runner.claim([TASKS])) is not None:
        if claimed[1].project_id == project:
            return claimed[1]
    return None


def call(
    method: str,
    project: str,
    *,
    query: dict[str, str] | None = None,
    multi: dict[str, list[str]] | None = None,
) -> tuple[int, Any]:
    function = {"GET": "list_transcode_tasks", "DELETE": "cancel_transcode_task"}[method]
    event = api_event(
        method, "/v1/{project_id}/transcodings", {"project_id": project}, project_id=project, query=query
    )
    if multi:
        event["multiValueQueryStringParameters"] = multi
        event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
    response = load_function(function).lambda_handler(event, FakeContext())
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def test_priority_nine_is_claimed_before_six_whatever_the_order(core_env: MotoStack) -> None:
    project, _ = create_project("prio")
    normal = [queue(project, 6) for _ in range(3)]
    urgent = [queue(project, 9) for _ in range(2)]
    claimed = []
    while (found := runner.claim([TASKS])) is not None:
        if found[1].project_id == project:
            claimed.append(found[1].id)
    assert claimed == [t.id for t in urgent] + [t.id for t in normal]
    assert runner.claim([TASKS]) is None


def test_a_task_is_claimed_once(core_env: MotoStack) -> None:
    project, _ = create_project("once")
    task = queue(project)
    first = claim_own(project)
    assert first is not None and first.id == task.id
    assert runner.claim([TASKS]) is None  # a duplicate token finds nothing


def test_cancel_waiting_and_refuse_ended_or_foreign(core_env: MotoStack) -> None:
    project, _ = create_project("cancel")
    other, _ = create_project("cancel-other")
    task = queue(project)
    assert call("DELETE", other, query={"task_id": task.id})[1]["error_code"] == "MPC.10212"
    status, _ = call("DELETE", project, query={"task_id": task.id})
    assert status == 204
    assert store.get(TaskDoc, project, task.id).status == "CANCELED"
    assert claim_own(project) is None  # gone from the line
    status, body = call("DELETE", project, query={"task_id": task.id})
    assert (status, body["error_code"]) == (400, "MPC.10212")


def test_seed_003_query_by_task_id(core_env: MotoStack) -> None:
    project, _ = create_project("q-ids")
    made = [queue(project) for _ in range(3)]
    status, body = call("GET", project, multi={"task_id": [made[0].id, made[2].id]})
    assert status == 200
    assert body["total"] == 2 and body["is_truncated"] == 0
    task = body["task_array"][0]
    assert task["task_id"] == str(made[0].id)
    assert task["status"] == "WAITING"
    assert set(task) >= {
        "task_id",
        "status",
        "progress",
        "create_time",
        "end_time",
        "trans_template_id",
        "input",
        "output",
        "output_file_name",
        "user_data",
        "transcode_detail",
    }
    assert len(task["create_time"]) == 14 and task["create_time"].isdigit()
    assert call("GET", project, query={"task_id": f"{made[1].id},{made[2].id}"})[1]["total"] == 2
    other, _ = create_project("q-ids-other")
    assert call("GET", other, query={"task_id": made[0].id})[1] == {
        "task_array": [],
        "is_truncated": 0,
        "total": 0,
    }


def test_paging_total_and_truncation(core_env: MotoStack) -> None:
    project, _ = create_project("q-pages")
    made = [queue(project) for _ in range(23)]
    status, first = call("GET", project, query={"size": "10"})
    assert (status, first["total"], first["is_truncated"], len(first["task_array"])) == (200, 23, 1, 10)
    assert [t["task_id"] for t in first["task_array"]] == [str(t.id) for t in reversed(made)][:10]
    _, last = call("GET", project, query={"size": "10", "page": "2"})
    assert (last["is_truncated"], len(last["task_array"])) == (0, 3)
    _, beyond = call("GET", project, query={"size": "10", "page": "5"})
    assert (beyond["task_array"], beyond["total"]) == ([], 23)
    _, default = call("GET", project)
    assert len(default["task_array"]) == 10


def test_status_and_time_filters(core_env: MotoStack) -> None:
    project, _ = create_project("q-filters")
    made = [queue(project) for _ in range(4)]
    tasks.cancel_task(project, made[1].id)
    _, canceled = call("GET", project, query={"status": "CANCELED"})
    assert [t["task_id"] for t in canceled["task_array"]] == [str(made[1].id)]
    assert canceled["total"] == 1
    _, waiting_tasks = call("GET", project, query={"status": "WAITING"})
    assert waiting_tasks["total"] == 3

    moment = clock.parse_key_time(made[0].created_at)
    early = clock.compact(clock.now_minus(3600))
    _, window = call("GET", project, query={"start_time": early, "end_time": clock.compact(moment)})
    assert str(made[0].id) in [t["task_id"] for t in window["task_array"]]
    _, future = call("GET", project, query={"start_time": "29990101000000"})
    assert future == {"task_array": [], "is_truncated": 0, "total": 0}


@pytest.mark.parametrize(
    "query",
    [
        {"task_id": ",".join(str(i) for i in range(1, 12))},
        {"task_id": "abc"},
        {"size": "0"},
        {"size": "101"},
        {"page": "-1"},
        {"start_time": "2020-03-10T03:16:05"},
        {"start_time": "20201340000000"},
        {"end_time": "2020031003160"},
        {"status": "DONE"},
    ],
)
def test_invalid_parameters_are_mpc_10202(core_env: MotoStack, query: dict[str, str]) -> None:
    project, _ = create_project("q-bad")
    status, body = call("GET", project, query=query)
    assert status == 400
    assert body["error_code"] == "MPC.10202"
    assert body["error_msg"].startswith("Invalid request parameter")


def test_a_silent_task_is_requeued_then_failed_after_its_last_attempt(
    core_env: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, _ = create_project("reap")
    queue(project)
    monkeypatch.setenv("MEDIAFLOW_JOB_MAX_ATTEMPTS", "2")
    settings.reset_settings()
    first = claim_own(project)
    assert first is not None and first.doc.attempt == 1
    assert not [
        r for r in recovery.sweep(BY_KIND) if r.startswith(f"{project}/{first.id}:")
    ]  # a fresh heartbeat
    monkeypatch.setenv("MEDIAFLOW_STALE_AFTER_S", "0.001")
    settings.reset_settings()
    time.sleep(0.01)
    assert f"{project}/{first.id}:requeued" in recovery.sweep(BY_KIND)
    requeued = store.get(TaskDoc, project, first.id)
    assert (requeued.status, requeued.doc.claim_id, requeued.lookup is not None) == ("WAITING", None, True)
    second = claim_own(project)
    assert second is not None and second.doc.attempt == 2
    time.sleep(0.01)
    assert f"{project}/{first.id}:FAILED" in recovery.sweep(
        BY_KIND
    )  # (other tests' claimed tasks are swept too)
    final = store.get(TaskDoc, project, first.id)
    assert final.status == "FAILED" and final.doc.error_code == "MPC.10050"
    assert final.lookup is None
    late = runner.finish(TASKS, project, first.id, "SUCCEEDED", {}, claim_id=second.doc.claim_id)
    assert late.status == "FAILED"  # the dead attempt's late write changes nothing


def test_a_cancel_racing_completion_leaves_one_terminal_state(core_env: MotoStack) -> None:
    project, _ = create_project("race")
    queue(project)
    running = claim_own(project)
    assert running is not None
    tasks.cancel_task(project, running.id)
    done = runner.finish(TASKS, project, running.id, "SUCCEEDED", {}, claim_id=running.doc.claim_id)
    assert done.status == "CANCELED"
    assert store.get(TaskDoc, project, running.id).status == "CANCELED"


def test_time_window_totals_equal_a_brute_force_count(core_env: MotoStack) -> None:
    """Tasks spread over days: each window's total (counters + edge minutes) is the exact count."""
    import random
    from datetime import timedelta

    from mediaflow.records.model import new_record

    project, _ = create_project("windows")
    rng = random.Random(7)
    base = clock.now() - timedelta(days=10)
    made = []
    for index in range(60):
        created = base + timedelta(seconds=rng.randrange(0, 9 * 86400), microseconds=rng.randrange(10**6))
        doc = TaskDoc(
            task_id=index,
            source_key="k",
            output_dir="o/",
            trans_template_id=[1],
            renditions=[SPEC],
        )
        store.create(new_record(doc, project, str(index), clock.key_time(created)))
        made.append(created)
    for _ in range(12):
        start = base + timedelta(seconds=rng.randrange(0, 9 * 86400))
        end = start + timedelta(seconds=rng.choice([59, 3600 * 5 + 17, 86400 * 3 + 61]))
        expected = sum(1 for t in made if start <= t <= end)
        got = store.count(TaskDoc, project, start=clock.key_time(start), end=clock.key_time(end))
        assert got == expected, (start, end)
        by_status = store.count(
            TaskDoc, project, status="WAITING", start=clock.key_time(start), end=clock.key_time(end)
        )
        assert by_status == expected
    assert store.count(TaskDoc, project, end=clock.key_time(base + timedelta(days=4))) == sum(
        1 for t in made if t <= base + timedelta(days=4)
    )
