"""CI job queries through the handlers, vs moto: DescribeMediaJob (ids, NonExistJobIds),
DescribeMediaJobs (states, time window, order, tokens, bad parameters) and CancelMediaJob."""

from __future__ import annotations

import pytest

from mediaflow.ci.records import CoverJobDoc
from mediaflow.records import store
from tests.integration import test_ci_jobs
from tests.integration.test_auth import create_project
from tests.integration.test_ci_jobs import (
    Answer,
    cancel,
    ci,
    describe,
    error_of,
    job_id_of,
    seed_request,
    submit,
)

project = test_ci_jobs.project  # the fixture: a new project with a (fake) source


def test_describe_several_ids_and_non_existent_ones(project: str) -> None:
    first, second = (job_id_of(submit(project, seed_request())) for _ in range(2))
    other, _ = create_project("ci-other")
    unknown = "j" + "0" * 32
    answer = describe(project, f"{second},{unknown},{first},not-an-id")
    assert [d["JobId"] for d in answer.body["JobsDetail"]] == [second, first]
    assert answer.body["NonExistJobIds"] == [unknown, "not-an-id"]
    assert answer.body["JobsDetail"][0]["Progress"] == "0"
    assert "MediaResult" not in answer.body["JobsDetail"][0]["Operation"]
    foreign = describe(other, first, accept="application/json")
    assert foreign.body == {"JobsDetail": [], "NonExistJobIds": [first]}


def listing(project: str, **query: str) -> Answer:
    return ci(
        "GET", "/v1/{project_id}/jobs", project, content_type=None, query=query, accept="application/json"
    )


def test_list_by_states_time_order_and_tokens(project: str) -> None:
    made = [job_id_of(submit(project, seed_request())) for _ in range(5)]
    cancel(project, made[1])
    newest = listing(project, tag="SmartCover")
    assert [d["JobId"] for d in newest.body["JobsDetail"]] == made[::-1]
    assert newest.body["NextToken"] == ""
    oldest = listing(project, tag="SmartCover", orderByTime="Asc", size="2")
    assert [d["JobId"] for d in oldest.body["JobsDetail"]] == made[:2]
    rest = listing(
        project, tag="SmartCover", orderByTime="Asc", size="10", nextToken=oldest.body["NextToken"]
    )
    assert [d["JobId"] for d in rest.body["JobsDetail"]] == made[2:]
    assert [d["JobId"] for d in listing(project, tag="SmartCover", states="Cancel").body["JobsDetail"]] == [
        made[1]
    ]
    both = listing(project, tag="SmartCover", states="Cancel,Submitted", size="3")
    assert [d["JobId"] for d in both.body["JobsDetail"]] == made[::-1][:3]
    after = listing(project, tag="SmartCover", states="Cancel,Submitted", nextToken=both.body["NextToken"])
    assert [d["JobId"] for d in after.body["JobsDetail"]] == made[::-1][3:]
    assert listing(project, tag="SmartCover", states="Success").body["JobsDetail"] == []
    window = {"startCreationTime": "2000-01-01T08:00:00+0800", "endCreationTime": "2999-01-01T00:00:00 0000"}
    assert len(listing(project, tag="SmartCover", **window).body["JobsDetail"]) == 5
    assert (
        listing(project, tag="SmartCover", startCreationTime="2999-01-01T00:00:00+0000").body["JobsDetail"]
        == []
    )
    assert len(listing(project, tag="SmartCover", inputObject="input/demo.mp4").body["JobsDetail"]) == 5
    xml = ci(
        "GET", "/v1/{project_id}/jobs", project, content_type=None, query={"tag": "SmartCover", "size": "1"}
    )
    assert xml.text.startswith("<Response><JobsDetail>") and xml.body["NextToken"]


@pytest.mark.parametrize(
    "query",
    [{}, {"tag": "Transcode"}, {"tag": "SmartCover", "states": "Done"}, {"tag": "SmartCover", "size": "101"},
     {"tag": "SmartCover", "size": "0"}, {"tag": "SmartCover", "orderByTime": "Up"},
     {"tag": "SmartCover", "startCreationTime": "2020-01-01"}, {"tag": "SmartCover", "nextToken": "@@"}],
)  # fmt: skip
def test_list_refuses_bad_parameters(project: str, query: dict[str, str]) -> None:
    assert error_of(listing(project, **query)) == (400, "InvalidArgument")


def test_cancel_a_submitted_job_once(project: str) -> None:
    job_id = job_id_of(submit(project, seed_request()))
    assert error_of(cancel(project, job_id, query={})) == (400, "InvalidArgument")
    answer = cancel(project, job_id)
    assert (answer.status, answer.text) == (200, "")
    detail = describe(project, job_id).body["JobsDetail"][0]
    assert detail["State"] == "Cancel" and detail["EndTime"] != "-"
    assert store.get(CoverJobDoc, project, job_id).lookup is None  # out of the waiting line
    assert error_of(cancel(project, job_id)) == (400, "InvalidArgument")
    assert error_of(cancel(project, "j" + "1" * 32)) == (400, "InvalidArgument")
