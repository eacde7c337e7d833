"""Callbacks end to end inside one process: SNS -> notifier -> a receiver on 127.0.0.1, with moto."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from mediaflow.events.model import CallbackTarget, DomainEvent, new_event
from mediaflow.events.publisher import publish
from mediaflow.net import transport
from mediaflow.notifications.verify import verify
from mediaflow.settings import reset_settings
from tests.integration.test_auth import create_project_doc
from tests.support.aws import MotoStack
from tests.support.functions import load_function
from tests.support.lambda_events import FakeContext, api_event, sqs_event
from tests.support.receiver import receiver


@pytest.fixture
def fast_retries(core_env: MotoStack, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoStack]:
    monkeypatch.setenv("MEDIAFLOW_ALLOW_LOOPBACK", "true")
    monkeypatch.setenv("MEDIAFLOW_CALLBACK_RETRY_BASE_S", "0.01")
    monkeypatch.setenv("MEDIAFLOW_CALLBACK_RETRY_WINDOW_S", "3600")
    reset_settings()
    drain(core_env)
    yield core_env
    reset_settings()


def drain(stack: MotoStack, rounds: int = 50) -> int:
    """Feed both notifier queues to the notifier until they stay empty; returns invocations."""
    sqs, handler, calls = stack.client("sqs"), load_function("notifier").lambda_handler, 0
    queues = [(stack.ref(q), stack.attr(q, "Arn")) for q in ("NotificationsQueue", "CallbackRetryQueue")]
    idle = 0
    for _ in range(rounds):
        got_any = False
        for url, arn in queues:
            got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"])
            messages = got.get("Messages", [])
            if not messages:
                continue
            got_any, calls = True, calls + 1
            result = handler(sqs_event(messages, arn), FakeContext())
            failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
            assert not failed, result
            for m in messages:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        idle = 0 if got_any else idle + 1
        if idle >= 3:
            return calls
        time.sleep(0.02)
    return calls


def event_for(
    project_id: str, url: str | None, *, version: int = 1, payload: dict[str, Any] | None = None
) -> DomainEvent:
    return new_event(
        event_type="FileUploadComplete",
        family="vod",
        project_id=project_id,
        resource_kind="VIDEO",
        resource_id="v" * 32,
        version=version,
        occurred_at=datetime.now(UTC),
        payload=payload or {"EventType": "FileUploadComplete", "VideoId": "v" * 32, "Status": "success"},
        callback=CallbackTarget(url=url) if url else None,
    )


def mpc(
    function: str,
    method: str,
    resource: str,
    params: dict[str, str],
    project: str,
    body: Any = None,
    query: dict[str, str] | None = None,
) -> tuple[int, Any]:
    handler = load_function(function).lambda_handler
    response = handler(
        api_event(method, resource, params, project_id=project, body=body, query=query), FakeContext()
    )
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def deliveries(project: str, **query: str) -> list[dict[str, Any]]:
    status, body = mpc(
        "list_deliveries",
        "GET",
        "/v1/{project_id}/notification/deliveries",
        {"project_id": project},
        project,
        query=query or None,
    )
    assert status == 200, body
    return list(body["deliveries"])


def test_one_signed_callback_per_event_even_when_duplicated(fast_retries: MotoStack) -> None:
    project = create_project_doc("cb-once")
    with receiver() as rx:
        event = event_for(project["project_id"], rx.url)
        publish(event)
        publish(event)  # SNS/SQS duplicates and producer retries look exactly like this
        drain(fast_retries)
        (got,) = rx.wait_for(1, timeout_s=1)
    assert got.headers["X-Mediaflow-Event-Id"] == event.event_id
    assert verify(project["signing_secret"], got.headers["X-Mediaflow-Signature"], got.body)
    assert json.loads(got.body) == event.payload
    (delivery,) = deliveries(project["project_id"], event_id=event.event_id)
    assert delivery["status"] == "SUCCEEDED"
    assert delivery["attempt_count"] == 1


def test_a_receiver_that_fails_three_times_gets_the_fourth_attempt(fast_retries: MotoStack) -> None:
    project = create_project_doc("cb-retry")
    with receiver() as rx:
        rx.script = [500, 500, 500]
        event = event_for(project["project_id"], rx.url)
        publish(event)
        drain(fast_retries)
        received = rx.wait_for(4, timeout_s=2)
    assert len(received) == 4
    assert {r.headers["X-Mediaflow-Event-Id"] for r in received} == {event.event_id}
    (delivery,) = deliveries(project["project_id"], event_id=event.event_id)
    assert delivery["status"] == "SUCCEEDED"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 500, 500, 200]


def test_a_dead_receiver_ends_in_the_dlq_and_replay_delivers_it(
    fast_retries: MotoStack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MEDIAFLOW_CALLBACK_RETRY_WINDOW_S", "1.0")  # room for retries on a loaded machine
    reset_settings()
    project = create_project_doc("cb-dead")
    pid = project["project_id"]
    with receiver() as rx:
        rx.default = 503
        event = event_for(pid, rx.url)
        publish(event)
        deadline = time.monotonic() + 15
        while not deliveries(pid, status="FAILED") and time.monotonic() < deadline:
            drain(fast_retries)  # retries until the (shortened) retry window closes
        attempts = len(rx.received)
        assert attempts >= 2
        (delivery,) = deliveries(pid, status="FAILED")
        assert delivery["event_id"] == event.event_id
        dlq = fast_retries.client("sqs").receive_message(
            QueueUrl=fast_retries.ref("CallbackDeadLetterQueue"), MaxNumberOfMessages=10
        )
        assert delivery["delivery_id"] in [
            json.loads(m["Body"])["delivery_id"] for m in dlq.get("Messages", [])
        ]

        rx.default = 200  # the receiver is back
        status, answer = mpc(
            "replay_deliveries",
            "POST",
            "/v1/{project_id}/notification/deliveries/replay",
            {"project_id": pid},
            pid,
        )
        assert (status, answer["count"]) == (202, 1)
        drain(fast_retries)
        assert len(rx.wait_for(attempts + 1, timeout_s=2)) == attempts + 1
    assert deliveries(pid, event_id=event.event_id)[0]["status"] == "SUCCEEDED"


def test_project_configuration_routes_events_by_name(fast_retries: MotoStack) -> None:
    project = create_project_doc("cb-config")
    pid = project["project_id"]
    with receiver() as rx:
        body = {
            "notifications": [{"event_name": "TranscodeComplete", "status": "ON"}],
            "url": rx.url,
            "format": "JSON",
        }
        status, answer = mpc(
            "put_notification", "PUT", "/v1/{project_id}/notification", {"project_id": pid}, pid, body
        )
        assert status == 200, answer
        status, shown = mpc(
            "get_notification", "GET", "/v1/{project_id}/notification", {"project_id": pid}, pid
        )
        assert shown["url"] == rx.url and shown["total"] == 1 and len(shown["signing_secrets"]) == 1
        publish(event_for(pid, None))  # FileUploadComplete: switched off by the list
        transcode = event_for(pid, None, version=2).model_copy(
            update={"event_type": "TranscodeComplete", "event_id": "t-1"}
        )
        publish(transcode)
        drain(fast_retries)
        received = rx.wait_for(1, timeout_s=1)
    assert [r.headers["X-Mediaflow-Event-Type"] for r in received] == ["TranscodeComplete"]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"notifications": [{"event_name": "NoSuchEvent", "status": "ON"}]}, "NoSuchEvent"),
        ({"notifications": [], "url": "http://169.254.169.254/latest/meta-data/"}, "url"),
        ({"notifications": [], "url": "ftp://example.com/x"}, "url"),
        ({"url": "https://hooks.example.com/x"}, "notifications"),  # required: a PUT never wipes by accident
        ({"notifications": [], "urll": "https://hooks.example.com/x"}, "urll"),  # unknown fields refused
        ({"notifications": [{"event_name": "TaskFinish", "status": "MAYBE"}]}, "status"),
    ],
)
def test_bad_notification_configuration_is_mpc_10202(
    core_env: MotoStack, body: dict[str, Any], fragment: str
) -> None:
    pid = create_project_doc("cb-bad")["project_id"]
    status, answer = mpc(
        "put_notification", "PUT", "/v1/{project_id}/notification", {"project_id": pid}, pid, body
    )
    assert status == 400
    assert answer["error_code"] == "MPC.10202"
    assert fragment in answer["error_msg"]


def test_event_names_and_secret_rotation(core_env: MotoStack) -> None:
    pid = create_project_doc("cb-rotate")["project_id"]
    status, names = mpc(
        "list_notification_events", "GET", "/v1/{project_id}/notification/event", {"project_id": pid}, pid
    )
    assert (
        status == 200
        and "FileUploadComplete" in names["event_name"]
        and names["total"] == len(names["event_name"])
    )
    status, created = mpc(
        "create_signing_secret", "POST", "/v1/{project_id}/notification/secrets", {"project_id": pid}, pid
    )
    assert status == 201 and created["secret"].startswith("whsec_")
    status, third = mpc(
        "create_signing_secret", "POST", "/v1/{project_id}/notification/secrets", {"project_id": pid}, pid
    )
    assert (status, third["error_code"]) == (400, "MPC.10212")
    _, shown = mpc("get_notification", "GET", "/v1/{project_id}/notification", {"project_id": pid}, pid)
    old = next(s["secret_id"] for s in shown["signing_secrets"] if s["secret_id"] != created["secret_id"])
    assert "secret" not in json.dumps(shown["signing_secrets"]).replace("secret_id", "")
    resource = "/v1/{project_id}/notification/secrets/{secret_id}"
    status, _ = mpc("delete_signing_secret", "DELETE", resource, {"project_id": pid, "secret_id": old}, pid)
    assert status == 204
    status, last = mpc(
        "delete_signing_secret",
        "DELETE",
        resource,
        {"project_id": pid, "secret_id": created["secret_id"]},
        pid,
    )
    assert (status, last["error_code"]) == (400, "MPC.10212")


FORBIDDEN = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:9/cb",
    "http://10.0.0.1/cb",
    "http://[::1]:9/cb",
    "http://2130706433/cb",
    "http://localhost:9/cb",
]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address the outbound client connects to; anything but loopback is refused here."""
    seen: list[str] = []
    real = transport.connect

    def spy(ip: Any, port: int, timeout_s: float) -> Any:
        seen.append(str(ip))
        if not ip.is_loopback:
            raise AssertionError(f"test tried to connect to {ip}")
        return real(ip, port, timeout_s)

    monkeypatch.setattr(transport, "connect", spy)
    return seen


@pytest.mark.parametrize("url", FORBIDDEN)
def test_forbidden_callback_urls_fail_without_sending_anything(
    core_env: MotoStack, connections: list[str], url: str
) -> None:
    reset_settings()  # loopback stays refused: the local setting is off by default
    pid = create_project_doc("cb-ssrf")["project_id"]
    event = event_for(pid, url)
    publish(event)
    drain(core_env)
    (delivery,) = deliveries(pid, event_id=event.event_id)
    assert delivery["status"] == "FAILED"
    assert delivery["attempts"][-1]["error"] in {"ForbiddenAddress", "InvalidUrl"}
    assert delivery["attempt_count"] == 1  # refused addresses are not retried
    assert connections == []


@pytest.mark.parametrize(
    "target", ["http://169.254.169.254/", "http://10.0.0.1/", "http://[fd00:ec2::254]/", "http://2130706433/"]
)
def test_a_redirect_to_a_forbidden_address_is_refused(
    fast_retries: MotoStack, connections: list[str], target: str
) -> None:
    pid = create_project_doc("cb-redirect")["project_id"]
    with receiver() as rx:
        rx.redirect_to = target
        event = event_for(pid, rx.url)
        publish(event)
        drain(fast_retries)
    (delivery,) = deliveries(pid, event_id=event.event_id)
    assert delivery["status"] == "FAILED"
    assert delivery["attempts"][-1]["error"] in {"ForbiddenAddress", "InvalidUrl"}
    assert set(connections) == {"127.0.0.1"}  # only the receiver itself was contacted
    assert len(rx.received) == 1
