"""Local event sources (no sockets): moto's S3 notifications made AWS-shaped, and Lambda's SQS
record shape and ReportBatchItemFailures contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import S3Model
from pydantic import ValidationError

from local.pollers import failed_ids, sqs_record
from local.s3events import S3EventNormalizer, aws_key

# ---------------------------------------------------------------- S3 events from moto
# Captured from moto 5.2.5 (S3 -> SQS): a PUT of "uploads/a b/ü+x.mp4", then a one-part multipart
# upload of "uploads/multi part.mp4", which moto reports twice.
MOTO_PUT = {
    "Records": [
        {
            "eventVersion": "2.1",
            "eventSource": "aws:s3",
            "awsRegion": "us-east-1",
            "eventTime": "2026-11-21T05:56:59.119Z",
            "eventName": "ObjectCreated:Put",
            "s3": {
                "s3SchemaVersion": "1.0",
                "configurationId": "1KYOt0kRlyOnEF5y4gk6KvpogagV7l4SAh7wPp7A3nFpsHYe9e",
                "bucket": {"name": "bkt1", "arn": "arn:aws:s3:::bkt1"},
                "object": {
                    "key": "uploads%2Fa+b%2F%C3%BC%2Bx.mp4",
                    "size": 5,
                    "eTag": "5d41402abc4b2a76b9719d911017c592",
                },
            },
        }
    ]
}


def moto_multipart(event_name: str) -> dict[str, Any]:
    record = json.loads(json.dumps(MOTO_PUT["Records"][0]))
    record.update(eventName=event_name, eventTime="2026-11-21T05:56:59.146Z")
    record["s3"]["object"] = {
        "key": "uploads%2Fmulti+part.mp4",
        "size": 100,
        "eTag": "bccb8986cc6b395e4f045d410c776698-1",
    }
    return {"Records": [record]}


MOTO_TEST_EVENT = {
    "Service": "Amazon S3",
    "Event": "s3:TestEvent",
    "Time": "2026-11-21T05:56:59.114Z",
    "Bucket": "bkt1",
}


def test_keys_are_re_encoded_the_aws_way() -> None:
    assert aws_key("uploads%2Fa+b%2F%C3%BC%2Bx.mp4") == "uploads/a+b/%C3%BC%2Bx.mp4"
    assert aws_key("uploads/a+b/%C3%BC%2Bx.mp4") == "uploads/a+b/%C3%BC%2Bx.mp4"  # idempotent


def test_normalized_moto_put_is_aws_shaped() -> None:
    body = S3EventNormalizer().normalize(json.dumps(MOTO_PUT), "m-1")
    assert body is not None
    record = json.loads(body)["Records"][0]
    assert record["s3"]["object"]["key"] == "uploads/a+b/%C3%BC%2Bx.mp4"
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    assert len(record["s3"]["object"]["sequencer"]) == 18
    S3Model.model_validate(json.loads(body))  # Powertools' pydantic model accepts it
    with pytest.raises(ValidationError):
        S3Model.model_validate(MOTO_PUT)  # ... and rejects moto's original


def test_multipart_keeps_only_complete_multipart_upload() -> None:
    normalizer = S3EventNormalizer()
    assert normalizer.normalize(json.dumps(moto_multipart("ObjectCreated:Put")), "m-2") is None
    kept = normalizer.normalize(json.dumps(moto_multipart("ObjectCreated:CompleteMultipartUpload")), "m-3")
    assert kept is not None
    assert json.loads(kept)["Records"][0]["s3"]["object"]["key"] == "uploads/multi+part.mp4"


def test_sequencers_increase_and_survive_redelivery() -> None:
    normalizer = S3EventNormalizer()

    def sequencer(message_id: str, doc: dict[str, Any]) -> str:
        body = normalizer.normalize(json.dumps(doc), message_id)
        assert body is not None
        return str(json.loads(body)["Records"][0]["s3"]["object"]["sequencer"])

    first = sequencer("m-1", MOTO_PUT)
    second = sequencer("m-2", MOTO_PUT)  # same millisecond, later message
    third = sequencer("m-3", moto_multipart("ObjectCreated:CompleteMultipartUpload"))
    assert first < second < third
    assert sequencer("m-1", MOTO_PUT) == first


def test_test_events_and_other_bodies_pass_unchanged() -> None:
    normalizer = S3EventNormalizer()
    for body in (json.dumps(MOTO_TEST_EVENT), "plain text", '{"Records": [{"eventSource": "aws:sns"}]}'):
        assert normalizer.normalize(body, "m") == body


# ---------------------------------------------------------------- SQS event source mapping
def test_sqs_record_has_the_lambda_shape() -> None:
    message = {
        "MessageId": "id",
        "ReceiptHandle": "rh",
        "Body": "b",
        "Attributes": {"ApproximateReceiveCount": "2"},
        "MessageAttributes": {"k": {"DataType": "Binary", "BinaryValue": b"\x00"}},
    }
    record = sqs_record(message, "hello", "arn:aws:sqs:us-east-1:123456789012:q")
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["k"]["binaryValue"] == "AA=="
    assert (record["eventSource"], record["awsRegion"]) == ("aws:sqs", "us-east-1")


@pytest.mark.parametrize(
    ("result", "kept"),
    [
        (None, set()),
        ({"batchItemFailures": []}, set()),
        ({"batchItemFailures": [{"itemIdentifier": "b"}]}, {"b"}),
        ({"batchItemFailures": [{"itemIdentifier": "zzz"}]}, {"a", "b"}),  # unknown id: whole batch fails
        ({"batchItemFailures": [{"itemIdentifier": ""}]}, {"a", "b"}),
    ],
)
def test_batch_item_failures_follow_lambda(result: Any, kept: set[str]) -> None:
    assert failed_ids(result, ["a", "b"]) == kept
