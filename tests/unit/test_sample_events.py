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


@pytest.mark.parametrize("route", TEMPLATE.routes(), ids=lambda r: r.function_id)
def test_api_samples_match_their_route(route: Route) -> None:
    event = _sample(route.function_id)
    assert (event["resource"], event["httpMethod"]) == (route.path, route.method)
    assert event["requestContext"]["authorizer"]["project_id"] == event["pathParameters"]["project_id"]


def test_upload_event_sample_is_an_sqs_batch_of_s3_notifications() -> None:
    (record,) = _sample("UploadEventFunction")["Records"]
    (landed,) = landed_objects(json.loads(record["body"]))
    assert parse_upload_key(landed.key) is not None
    assert landed.version_id
