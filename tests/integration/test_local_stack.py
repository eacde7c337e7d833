"""The local stack end to end, on the throwaway template in fixtures/local_template.

One stack for the module: real HTTP to the gateway, real worker processes, real moto.  Each test
uses its own usage identifier key (token ``good-<name>``) so throttling never leaks between tests.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.runtime import FunctionError
from local.stack import LocalStack

FIXTURE = Path(__file__).parent / "fixtures" / "local_template"
Response = tuple[int, Message, bytes]


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    records = tmp_path_factory.mktemp("local_stack") / "records.jsonl"
    records.touch()
    extra = {"FIXTURE_RECORD_FILE": str(records), "EXTRA_FROM_TEST": "yes"}
    with LocalStack(FIXTURE, template=FIXTURE / "template.yaml", extra_env=extra) as stack:
        yield stack


@pytest.fixture(scope="module")
def aws(local_stack: LocalStack) -> Callable[[str], Any]:
    env = local_stack.aws_env
    return lambda service: boto3.client(
        service,
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )


def http(
    stack: LocalStack,
    method: str,
    path: str,
    token: str | None = None,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    request = urllib.request.Request(stack.endpoint + path, data=body, method=method, headers=headers or {})
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def records(stack: LocalStack) -> list[dict[str, Any]]:
    """What the fixture's SQS function received, in order (it appends each record to a file)."""
    path = Path(stack.extra_env["FIXTURE_RECORD_FILE"])
    return [json.loads(line) for line in path.read_text().splitlines()]


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_route_gets_v1_proxy_event_with_authorizer_context_and_template_env(
    local_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="local.functions")
    status, headers, body = http(local_stack, "GET", "/v1/p1/echo/it%20em?a=1&a=2&b=", token="good-echo")
    assert status == 200
    answer = json.loads(body)
    event, env = answer["event"], answer["env"]
    assert event["resource"] == "/v1/{project_id}/echo/{item}"
    assert event["pathParameters"] == {"project_id": "p1", "item": "it em"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": [""]}
    assert event["queryStringParameters"] == {"a": "2", "b": ""}
    context = event["requestContext"]
    assert context["stage"] == "test"
    assert context["requestId"] == headers["X-Amzn-RequestId"]
    assert context["authorizer"]["principalId"] == "project/p1"
    assert context["authorizer"]["tier"] == "3" and context["authorizer"]["trusted"] == "true"
    assert context["identity"]["apiKey"] == "good-echo"
    ids = local_stack.physical_ids
    assert env["FIXTURE_TABLE"] == ids["Table"]
    assert env["FIXTURE_QUEUE_URL"] == ids["WorkQueue"]
    assert env["FIXTURE_QUEUE_URL"].startswith(local_stack.aws_env["AWS_ENDPOINT_URL"])
    assert env["FIXTURE_QUEUE_ARN"].endswith(":mediaflow-local-WorkQueue")
    assert env["FIXTURE_FLAG"] == "overridden" and env["FIXTURE_MODE"] == "testing"
    assert env["GCONV_PATH"] == "/dev/null" and env["EXTRA_FROM_TEST"] == "yes"
    assert answer["context"]["memory_limit_in_mb"] == 256
    assert answer["context"]["invoked_function_arn"].endswith(":function:mediaflow-local-EchoFunction")
    assert 0 < answer["context"]["remaining_ms"] <= 5000
    assert headers.get_all("X-Multi") == ["a", "b"]
    expected = "[EchoFunction] echo GET /v1/p1/echo/it%20em"
    deadline = time.monotonic() + 5  # the worker's output is pumped by a thread: it may lag the answer
    while not any(expected in r.getMessage() for r in caplog.records) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any(expected in r.getMessage() for r in caplog.records)


def test_literal_segment_beats_path_parameter(local_stack: LocalStack) -> None:
    status, _, body = http(local_stack, "GET", "/v1/p1/echo/special", token="good-literal")
    assert status == 200
    assert json.loads(body)["event"]["resource"] == "/v1/{project_id}/echo/special"


def test_binary_media_type_arrives_base64_and_returns_decoded(local_stack: LocalStack) -> None:
    payload = bytes(range(256))
    status, headers, body = http(
        local_stack,
        "POST",
        "/v1/p1/echo/bin",
        token="good-binary",
        body=payload,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert (status, body) == (200, payload)
    assert headers["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize("token", [None, "bad"])
def test_missing_or_unknown_token_gets_the_unauthorized_gateway_response(
    local_stack: LocalStack, token: str | None
) -> None:
    status, headers, body = http(local_stack, "GET", "/v1/p1/echo/x", token=token)
    assert status == 401
    assert json.loads(body) == {"RequestId": headers["X-Amzn-RequestId"], "Code": "InvalidToken"}


def test_explicit_deny_gets_the_access_denied_gateway_response(local_stack: LocalStack) -> None:
    status, headers, body = http(local_stack, "GET", "/v1/p2/echo/x", token="good-deny")
    assert status == 403
    assert json.loads(body) == {"RequestId": headers["X-Amzn-RequestId"], "Code": "Forbidden"}


def test_allow_without_usage_identifier_key_is_forbidden(local_stack: LocalStack) -> None:
    status, _, body = http(local_stack, "GET", "/v1/p1/echo/x", token="nokey")
    assert (status, json.loads(body)) == (403, {"message": "Forbidden"})


def test_authorizer_crash_is_a_500(local_stack: LocalStack) -> None:
    status, headers, body = http(local_stack, "GET", "/v1/p1/echo/x", token="boom")
    assert (status, json.loads(body)) == (500, {"message": None})
    assert headers["x-amzn-ErrorType"] == "AuthorizerFailureException"


def test_unknown_route_is_missing_authentication_token(local_stack: LocalStack) -> None:
    for method, path in (("GET", "/v1/p1/nothing"), ("DELETE", "/v1/p1/echo/x")):
        status, _, body = http(local_stack, method, path, token="good-unknown")
        assert (status, json.loads(body)) == (403, {"message": "Missing Authentication Token"})


def test_usage_plan_throttles_each_key_with_its_own_bucket(local_stack: LocalStack) -> None:
    statuses = [http(local_stack, "GET", "/v1/p1/echo/t", token="good-throttle")[0] for _ in range(7)]
    assert statuses[:3] == [200, 200, 200]  # BurstLimit 3
    assert 429 in statuses[3:]
    status, headers, body = http(local_stack, "GET", "/v1/p1/echo/t", token="good-throttle")
    if status == 429:
        assert json.loads(body) == {"RequestId": headers["X-Amzn-RequestId"], "Code": "Throttling.User"}
    assert http(local_stack, "GET", "/v1/p1/echo/t", token="good-unthrottled")[0] == 200


def test_timeout_is_a_502_and_the_worker_is_replaced(local_stack: LocalStack) -> None:
    status, _, body = http(local_stack, "GET", "/v1/p1/slow?seconds=0", token="good-timeout")
    first_pid = json.loads(body)["pid"]
    started = time.monotonic()
    status, _, body = http(local_stack, "GET", "/v1/p1/slow?seconds=3", token="good-timeout")
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert time.monotonic() - started < 2.5
    with pytest.raises(ProcessLookupError):
        os.kill(first_pid, 0)
    status, _, body = http(local_stack, "GET", "/v1/p1/slow?seconds=0", token="good-timeout")
    assert status == 200 and json.loads(body)["pid"] != first_pid


def test_two_workers_serve_concurrent_requests(local_stack: LocalStack) -> None:
    results: list[Response] = []

    def call() -> None:
        results.append(http(local_stack, "GET", "/v1/p1/slow?seconds=0.8", token="good-concurrent"))

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r[0] for r in results] == [200, 200]
    first, second = (json.loads(r[2]) for r in results)
    # a second worker only starts when the first is busy, so two pids mean they ran concurrently
    # (start/end times are not compared: on a loaded machine a cold start can outlast the sleep)
    assert first["pid"] != second["pid"]


def test_openapi_document_is_served_without_auth(local_stack: LocalStack) -> None:
    status, _, body = http(local_stack, "GET", "/openapi.json")
    assert status == 200 and json.loads(body)["openapi"] == "3.0.1"


def test_direct_invoke_returns_result_or_raises_function_error(local_stack: LocalStack) -> None:
    event = {"httpMethod": "GET", "path": "/direct", "isBase64Encoded": False}
    assert local_stack.invoke("EchoFunction", event)["statusCode"] == 200
    with pytest.raises(FunctionError) as failure:
        local_stack.invoke("WorkerFunction", {"not": "sqs"})
    assert failure.value.error["errorType"] == "KeyError"


def test_create_project_runs_the_admin_command_in_the_functions_environment(
    local_stack: LocalStack, aws: Callable[[str], Any]
) -> None:
    assert local_stack.create_project("demo") == ("proj-demo", "good")
    table = local_stack.physical_ids["Table"]
    item = aws("dynamodb").get_item(TableName=table, Key={"pk": {"S": "proj-demo"}})
    assert item["Item"]["name"] == {"S": "demo"}


def test_partial_batch_failure_deletes_the_rest_and_redrives_the_failure_to_the_dlq(
    local_stack: LocalStack, aws: Callable[[str], Any]
) -> None:
    sqs = aws("sqs")
    queue, dlq = local_stack.physical_ids["WorkQueue"], local_stack.physical_ids["WorkDLQ"]
    sqs.send_message_batch(
        QueueUrl=queue,
        Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(["ok-1", "fail", "ok-2"])],
    )
    dead = wait_for(lambda: sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages"))
    assert [m["Body"] for m in dead] == ["fail"]
    seen = [r for r in records(local_stack) if r.get("body") in ("ok-1", "fail", "ok-2")]
    assert sorted(r["body"] for r in seen if r["body"] != "fail") == ["ok-1", "ok-2"]  # deleted once done
    assert [r["attributes"]["ApproximateReceiveCount"] for r in seen if r["body"] == "fail"] == ["1", "2"]
    assert all(
        r["eventSource"] == "aws:sqs" and r["eventSourceARN"].endswith(":mediaflow-local-WorkQueue")
        for r in seen
    )
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"


def test_s3_notifications_reach_the_function_aws_shaped(
    local_stack: LocalStack, aws: Callable[[str], Any]
) -> None:
    s3 = aws("s3")
    bucket = local_stack.physical_ids["Bucket"]
    put = s3.put_object(Bucket=bucket, Key="uploads/a b/ü+x.txt", Body=b"hello")
    s3.put_object(Bucket=bucket, Key="elsewhere/not-notified.txt", Body=b"x")
    upload = s3.create_multipart_upload(Bucket=bucket, Key="uploads/multi part.bin")
    part = s3.upload_part(
        Bucket=bucket,
        Key="uploads/multi part.bin",
        UploadId=upload["UploadId"],
        PartNumber=1,
        Body=b"y" * 1000,
    )
    s3.complete_multipart_upload(
        Bucket=bucket,
        Key="uploads/multi part.bin",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
    )

    def s3_records() -> list[dict[str, Any]]:
        found = [json.loads(r["body"]) for r in records(local_stack) if '"aws:s3"' in r.get("body", "")]
        return [rec for doc in found for rec in doc["Records"]] if len(found) >= 2 else []

    events = wait_for(s3_records)
    time.sleep(0.5)  # a spurious third event would have arrived by now
    events = s3_records()
    assert [(e["eventName"], e["s3"]["object"]["key"]) for e in events] == [
        ("ObjectCreated:Put", "uploads/a+b/%C3%BC%2Bx.txt"),
        ("ObjectCreated:CompleteMultipartUpload", "uploads/multi+part.bin"),
    ]
    first, second = events
    assert first["s3"]["object"]["versionId"] == put["VersionId"]
    assert first["s3"]["object"]["sequencer"] < second["s3"]["object"]["sequencer"]
    assert first["userIdentity"]["principalId"] and first["responseElements"]["x-amz-request-id"]
    assert first["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    bodies = [json.loads(r["body"]) for r in records(local_stack) if "s3:TestEvent" in r.get("body", "")]
    assert bodies and bodies[0]["Bucket"] == bucket  # AWS sends s3:TestEvent too; kept


def test_sns_subscribed_function_gets_sns_shaped_events_through_its_filter_policy(
    local_stack: LocalStack, aws: Callable[[str], Any]
) -> None:
    topic = local_stack.physical_ids["Topic"]
    for kind in ("other", "notice"):
        aws("sns").publish(
            TopicArn=topic,
            Message=f"a {kind}",
            Subject="s",
            MessageAttributes={"kind": {"DataType": "String", "StringValue": kind}},
        )
    (record,) = wait_for(lambda: [r for r in records(local_stack) if r.get("EventSource") == "aws:sns"])
    assert record["EventSubscriptionArn"].startswith(topic + ":")
    sns = record["Sns"]
    assert (sns["TopicArn"], sns["Message"], sns["Subject"]) == (topic, "a notice", "s")
    assert sns["MessageAttributes"] == {"kind": {"Type": "String", "Value": "notice"}}
    time.sleep(0.5)  # the filtered-out message would have arrived by now
    assert [r["Sns"]["Message"] for r in records(local_stack) if r.get("EventSource") == "aws:sns"] == [
        "a notice"
    ]
