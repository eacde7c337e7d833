"""Pagination cursors are sealed with the deployment's key (issue 16): forged, edited, replayed in
another query or signed with another key, a cursor is a 400 in the family's shape, never a 500."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from mediaflow import clock, cursors, settings
from mediaflow.events.model import new_event
from mediaflow.notifications.records import DeliveryDoc
from mediaflow.records import store
from mediaflow.records.model import new_record
from tests.integration.test_auth import create_project
from tests.integration.test_notifications import mpc
from tests.support.aws import MotoStack, environment


@pytest.fixture
def keyed(core_env: MotoStack) -> Iterator[MotoStack]:
    cursors.reset()
    yield core_env
    cursors.reset()


def deliveries_of(project: str, count: int) -> None:
    for index in range(count):
        event = new_event(
            event_type="TaskFinish", family="ci", project_id=project, resource_kind="SMART_COVER",
            resource_id="r", version=1, occurred_at=clock.now(), payload={},
        )  # fmt: skip
        doc = DeliveryDoc(event=event, url="https://hooks.example.com/x", format="JSON")
        store.create(new_record(doc, project, f"d{index:031d}", clock.key_time(clock.now())))


def forged(position: dict[str, Any]) -> str:
    """What a caller can make without the key: base64 of any JSON object (the old cursor format)."""
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def test_a_sealed_cursor_resumes_its_own_query_only(keyed: MotoStack) -> None:
    project, _ = create_project("cursor-own")
    other, _ = create_project("cursor-other")
    deliveries_of(project, 3)
    deliveries_of(other, 3)
    first = store.list_page(DeliveryDoc, project, limit=2)
    assert first.cursor is not None and len(first.records) == 2
    rest = store.list_page(DeliveryDoc, project, limit=2, cursor=first.cursor)
    assert [r.id for r in rest.records] == ["d" + "0" * 31]
    with pytest.raises(cursors.InvalidCursor):  # another project's listing
        store.list_page(DeliveryDoc, other, limit=2, cursor=first.cursor)
    with pytest.raises(cursors.InvalidCursor):  # the same project, another status
        store.list_page(DeliveryDoc, project, status="FAILED", limit=2, cursor=first.cursor)
    with pytest.raises(cursors.InvalidCursor):  # the other order
        store.list_page(DeliveryDoc, project, limit=2, cursor=first.cursor, newest_first=False)


@pytest.mark.parametrize(
    "cursor",
    [
        forged({"pk": {"S": "x"}}),
        forged({"gsi1pk": {"S": "P#x#DELIVERY"}, "gsi1sk": {"S": "0"}, "pk": {"S": "P#x"}, "sk": {"S": "y"}}),
        forged({"pk": "not-an-attribute-value"}),
        "a.b",
        "....",
        "é.é",
        "x" * 300,
    ],
)
def test_forged_cursors_are_refused(keyed: MotoStack, cursor: str) -> None:
    project, _ = create_project("cursor-forged")
    with pytest.raises(cursors.InvalidCursor):
        store.list_page(DeliveryDoc, project, limit=2, cursor=cursor)


def test_an_edited_cursor_is_refused(keyed: MotoStack) -> None:
    project, _ = create_project("cursor-edited")
    deliveries_of(project, 3)
    cursor = store.list_page(DeliveryDoc, project, limit=1).cursor
    assert cursor is not None
    payload, mac = cursor.split(".")
    position = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    position["sk"]["S"] = "DELIVERY#" + "d" + "0" * 31
    edited = base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")
    with pytest.raises(cursors.InvalidCursor):
        store.list_page(DeliveryDoc, project, limit=1, cursor=f"{edited}.{mac}")


def test_a_new_key_invalidates_old_cursors(keyed: MotoStack) -> None:
    project, _ = create_project("cursor-rotated")
    deliveries_of(project, 2)
    cursor = store.list_page(DeliveryDoc, project, limit=1).cursor
    assert cursor is not None
    secrets = keyed.client("secretsmanager")
    secrets.put_secret_value(SecretId=keyed.ref("CursorKey"), SecretString="a-rotated-value")
    cursors.reset()
    with pytest.raises(cursors.InvalidCursor):
        store.list_page(DeliveryDoc, project, limit=1, cursor=cursor)


def test_without_a_key_nothing_is_signed(keyed: MotoStack) -> None:
    project, _ = create_project("cursor-keyless")
    deliveries_of(project, 2)
    with environment({"MEDIAFLOW_CURSOR_KEY_ARN": ""}):
        settings.reset_settings()
        with pytest.raises(cursors.CursorKeyMissing):
            store.list_page(DeliveryDoc, project, limit=1)
    settings.reset_settings()


def test_a_forged_marker_is_mpc_10202(keyed: MotoStack) -> None:
    project, _ = create_project("cursor-marker")
    deliveries_of(project, 3)
    query = {"size": "2"}
    status, page = mpc(
        "list_deliveries",
        "GET",
        "/v1/{project_id}/notification/deliveries",
        {"project_id": project},
        project,
        query=query,
    )
    assert status == 200 and page["next_marker"]
    for marker in (forged({"pk": {"S": "x"}}), forged({"a": 1}), page["next_marker"] + "x"):
        status, answer = mpc(
            "list_deliveries",
            "GET",
            "/v1/{project_id}/notification/deliveries",
            {"project_id": project},
            project,
            query={**query, "marker": marker},
        )
        assert status == 400, answer
        assert answer["error_code"] == "MPC.10202" and "marker" in answer["error_msg"]
    status, rest = mpc(
        "list_deliveries",
        "GET",
        "/v1/{project_id}/notification/deliveries",
        {"project_id": project},
        project,
        query={**query, "marker": page["next_marker"]},
    )
    assert status == 200 and len(rest["deliveries"]) == 1
