"""The project's CI queue through the handlers: describe, update, pause holds, resume runs in
priority order, cancel on Submitted/Pause; JobLevel priority; the worker's paused-queue guard;
templates' describe."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from mediaflow.ci import cover_worker, queues
from mediaflow.ci.cover_worker import COVER_JOBS
from mediaflow.ci.records import CiQueueDoc
from mediaflow.jobs import runner
from mediaflow.records import store
from tests.integration import test_ci_jobs
from tests.integration.test_ci_jobs import (
    Answer,
    cancel,
    ci,
    create_template,
    describe,
    error_of,
    job_id_of,
    seed_request,
    submit,
)

project = test_ci_jobs.project  # the fixture: a new project with a (fake) source


def queue_list(project: str, **query: str) -> Answer:
    return ci("GET", "/v1/{project_id}/queue", project, content_type=None, query=query or None)


def update_queue(project: str, queue_id: str, state: str, notify: str = "") -> Answer:
    body = f"<Request><Name>main-queue</Name><State>{state}</State>{notify}</Request>"
    return ci("PUT", "/v1/{project_id}/queue/{QueueId}", project, params={"QueueId": queue_id}, body=body)


def states(project: str, ids: list[str]) -> list[str]:
    details = {d["JobId"]: d["State"] for d in describe(project, ",".join(ids)).body["JobsDetail"]}
    return [details[i] for i in ids]


def claim_all(project: str) -> list[str]:
    """Claim everything waiting (the line is shared by every test project); ours, in order."""
    claimed = []
    while (claimed_job := runner.claim([COVER_JOBS])) is not None:
        if claimed_job[1].project_id == project:
            claimed.append(claimed_job[1].id)
    return claimed


def test_the_queue_is_made_on_first_use_and_described(project: str) -> None:
    answer = queue_list(project)
    assert answer.status == 200, answer.text
    (queue,) = answer.body["QueueList"]
    assert queue["QueueId"] == queues.queue_id_for(project) and queue["QueueId"].startswith("p")
    assert (queue["State"], queue["MaxSize"], queue["MaxConcurrent"]) == ("Active", "10000", "10")
    assert queue["NotifyConfig"] == {"State": "Off"}
    assert set(queue) >= {"Name", "CreateTime", "UpdateTime", "Category"}
    assert answer.body["TotalCount"] == "1" and answer.body["RequestId"]
    job = submit(project, seed_request()).body["JobsDetail"][0]
    assert job["QueueId"] == queue["QueueId"]
    unknown = "p" + "0" * 32
    both = queue_list(project, queueIds=f"{queue['QueueId']},{unknown}")
    assert both.body["NonExistPIDs"] == [unknown] and len(both.body["QueueList"]) == 1
    assert "QueueList" not in queue_list(project, state="Paused").body  # XML: an empty list is no element
    assert error_of(queue_list(project, state="Sleeping")) == (400, "InvalidArgument")


def test_notify_config_is_validated(project: str) -> None:
    queue_id = queues.queue_id_for(project)
    head = "<NotifyConfig><State>On</State><Event>TaskFinish</Event><Type>Url</Type>"
    private = head + "<Url>http://10.1.2.3/x</Url></NotifyConfig>"
    assert error_of(update_queue(project, queue_id, "Active", private)) == (400, "InvalidArgument")
    no_url = head + "</NotifyConfig>"
    assert error_of(update_queue(project, queue_id, "Active", no_url)) == (400, "InvalidArgument")
    assert error_of(update_queue(project, "p" + "1" * 32, "Active")) == (400, "InvalidArgument")
    good = (
        "<NotifyConfig><State>On</State><Event>TaskFinish</Event><ResultFormat>JSON</ResultFormat>"
        "<Type>Url</Type><Url>https://hooks.example.com/ci</Url></NotifyConfig>"
    )
    answer = update_queue(project, queue_id, "Active", good)
    assert answer.status == 200, answer.text
    assert answer.body["Queue"]["NotifyConfig"] == {
        "Url": "https://hooks.example.com/ci", "Event": "TaskFinish", "Type": "Url", "State": "On",
        "ResultFormat": "JSON",
    }  # fmt: skip
    assert answer.body["Queue"]["Name"] == "main-queue"


def test_pause_holds_new_and_submitted_jobs_and_resume_runs_them_by_priority(project: str) -> None:
    queue_id = queues.queue_id_for(project)
    before = [job_id_of(submit(project, seed_request(level=level))) for level in (0, 2)]
    answer = update_queue(project, queue_id, "Paused")
    assert answer.body["Queue"]["State"] == "Paused"
    during = submit(project, seed_request(level=1))
    assert during.body["JobsDetail"][0]["State"] == "Pause"
    held = [*before, job_id_of(during), job_id_of(submit(project, seed_request(level=2)))]
    assert states(project, held) == ["Pause"] * 4
    assert claim_all(project) == []  # nothing of a paused queue can be claimed
    assert (cancel(project, held[0]).status, states(project, held[:1])) == (200, ["Cancel"])

    assert update_queue(project, queue_id, "Active").body["Queue"]["State"] == "Active"
    assert states(project, held[1:]) == ["Submitted"] * 3
    assert claim_all(project) == [held[1], held[3], held[2]]  # JobLevel 2, 2, then 1


def test_job_level_two_is_claimed_before_one_before_zero_whatever_the_order(project: str) -> None:
    levels = [0, 1, 2, 0, 2, 1]
    made = [(level, job_id_of(submit(project, seed_request(level=level)))) for level in levels]
    expected = [job for level in (2, 1, 0) for lv, job in made if lv == level]
    assert claim_all(project) == expected
    assert runner.claim([COVER_JOBS]) is None  # a duplicate token finds nothing


def test_cancel_refuses_a_running_job(project: str) -> None:
    job_id = job_id_of(submit(project, seed_request()))
    assert claim_all(project) == [job_id]
    assert error_of(cancel(project, job_id)) == (400, "InvalidArgument")
    assert states(project, [job_id]) == ["Running"]


def test_a_worker_holds_a_job_whose_queue_was_paused_behind_its_back(project: str) -> None:
    """The pause sweep can miss a job submitted at the same moment: the claim catches it."""
    job_id = job_id_of(submit(project, seed_request(level=2)))
    store.update(CiQueueDoc, project, queues.queue_id_for(project), lambda q: replace(q, status="Paused"))
    while (
        outcome := runner.run_next([COVER_JOBS], lambda: 60_000)
    ) != "idle":  # other projects' jobs may be waiting
        assert outcome in ("Success", "Failed")
    assert states(project, [job_id]) == ["Pause"]
    assert update_queue(project, queues.queue_id_for(project), "Active").status == 200
    assert claim_all(project) == [job_id]


def test_a_long_sweep_is_continued_by_a_worker(project: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from mediaflow.ci import pause_line

    made = [job_id_of(submit(project, seed_request())) for _ in range(3)]
    monkeypatch.setattr(pause_line, "BATCH", 1)  # one job per read: the zero budget runs out after one
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(pause_line, "continue_later", lambda pid, action: sent.append((pid, action)))
    queues.sweep(project, "hold", 0.0)
    assert sent == [(project, "hold")]
    message = json.dumps({"line": "SMART_COVER", "sweep": "hold", "project_id": project})
    assert cover_worker.handle_message(message, lambda: 60_000) == "swept"
    assert states(project, made) == ["Submitted"] * 3  # the queue itself is Active: released again


def test_templates_are_described_by_ids_page_and_name(project: str) -> None:
    made = []
    for name in ("alpha", "beta", "alphabet"):
        body = (
            f"<Request><Tag>SmartCover</Tag><Name>{name}</Name><SmartCover><Format>png</Format></SmartCover>"
        )
        answer = create_template(project, body + "</Request>")
        made.append(answer.body["Template"]["TemplateId"])
    query = {"tag": "SmartCover", "pageSize": "2"}
    first = ci("GET", "/v1/{project_id}/template", project, content_type=None, query=query)
    assert first.body["TotalCount"] == "3"
    assert [t["TemplateId"] for t in first.body["TemplateList"]] == made[::-1][:2]
    second = ci(
        "GET", "/v1/{project_id}/template", project, content_type=None, query={**query, "pageNumber": "2"}
    )
    assert [t["TemplateId"] for t in second.body["TemplateList"]] == made[:1]
    by_name = ci("GET", "/v1/{project_id}/template", project, content_type=None, query={"name": "alpha"})
    assert {t["Name"] for t in by_name.body["TemplateList"]} == {"alpha", "alphabet"}
    unknown = "t" + "0" * 32
    by_ids = ci(
        "GET", "/v1/{project_id}/template", project, content_type=None, query={"ids": f"{made[1]},{unknown}"}
    )
    assert [t["Name"] for t in by_ids.body["TemplateList"]] == ["beta"]
    assert by_ids.body["NonExistTIDs"] == [unknown]
    assert by_ids.body["TemplateList"][0]["SmartCover"] == {
        "Format": "png",
        "Count": "3",
        "DeleteDuplicates": "false",
    }
    for bad in ("bad name", "x" * 65, ""):
        answer = create_template(project, f"<Request><Tag>SmartCover</Tag><Name>{bad}</Name></Request>")
        assert error_of(answer) == (400, "InvalidArgument")
