"""events/ holds one valid `sam local invoke` sample per function of the template."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from local.template import Template
from local.views import Route
from mediaflow.storage.keys import parse_upload_key
from mediaflow.uploads.upload_events import landed_objects

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = Template.load(REPO / "template.yaml")
FUNCTIONS = TEMPLATE.functions()


def _sample(function_id: str) -> dict:
    name = FUNCTIONS[function_id].code_uri.name
    return json.loads((REPO / "events" / f"{name}.json").read_text())


@pytest.mark.parametrize("function_id", sorted(FUNCTIONS))
def test_every_function_has_a_sample_event(function_id: str) -> None:
    assert isinstance(_sample(function_id), dict)


def _routes_of(function_id: str) -> list[Route]:
    return [route for route in TEMPLATE.routes() if route.function_id == function_id]


@pytest.mark.parametrize("function_id", sorted({r.function_id for r in TEMPLATE.routes()}))
def test_api_samples_match_one_of_their_routes(function_id: str) -> None:
    event = _sample(function_id)
    assert any(
        event["resource"] == route.path and route.method in (event["httpMethod"], "ANY")
        for route in _routes_of(function_id)
    )
    if "{project_id}" in event["resource"]:
        assert event["requestContext"]["authorizer"]["project_id"] == event["pathParameters"]["project_id"]


def test_upload_event_sample_is_an_sqs_batch_of_s3_notifications() -> None:
    (record,) = _sample("UploadEventFunction")["Records"]
    (landed,) = landed_objects(json.loads(record["body"]))
    assert parse_upload_key(landed.key) is not None
    assert landed.version_id
