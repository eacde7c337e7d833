"""moto as the local AWS endpoint, run in this process on 127.0.0.1.

Running moto in-process lets us add the one fact its S3 notifications drop and the SQS poller
cannot recover afterwards: ``s3.object.versionId`` (see ``_patch_s3_version_ids``), and serialize
its DynamoDB, which is not thread-safe (``_serialize_dynamodb``).  Everything else about moto's
event shape is normalized at the poller boundary (``local.s3events``).  And it lets browsers
preflight an object that already exists (``_patch_s3_preflight``).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from moto.server import ThreadedMotoServer

from local.cfn import REGION

DUMMY_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


def _patch_s3_version_ids() -> None:
    """Add ``versionId`` to moto's S3 event records for versioned buckets, as AWS does.

    moto 5.2 builds the record in ``moto.s3.notifications._get_s3_event`` without it; the key
    object it receives knows its version, so we wrap that builder.  Idempotent.
    """
    from moto.s3 import notifications

    original = notifications._get_s3_event
    if getattr(original, "_mediaflow_patched", False):
        return

    def with_version(event_name: str, bucket: Any, key: Any, notification_id: str) -> dict[str, Any]:
        event = original(event_name, bucket, key, notification_id)
        version = getattr(key, "version_id", None)
        if version and version != "null":
            for record in event["Records"]:
                record["s3"]["object"]["versionId"] = version
        return event

    with_version._mediaflow_patched = True  # type: ignore[attr-defined]
    notifications._get_s3_event = with_version


def _patch_s3_preflight() -> None:
    """Answer a CORS preflight (OPTIONS) on an existing private object from the bucket's CORS rules.

    moto 5.2 runs its anonymous-access ACL check before it looks at the method, so a browser's
    preflight of a PUT to an object that exists (an upload after RefreshUploadVideo) gets 403,
    while S3 answers preflights from the CORS configuration alone.  Idempotent.
    """
    from moto.s3.responses import S3Response

    original = S3Response._key_response
    if getattr(original, "_mediaflow_patched", False):
        return

    def preflight_first(self: Any, request: Any, full_url: str) -> Any:
        if request.method == "OPTIONS":
            return self._response_options(request.headers, self.parse_bucket_name_from_url(request, full_url))
        return original(self, request, full_url)

    preflight_first._mediaflow_patched = True  # type: ignore[attr-defined]
    S3Response._key_response = preflight_first  # type: ignore[method-assign]


def _serialize_dynamodb() -> None:
    """Run moto's DynamoDB actions one at a time.

    moto 5.2's TransactWriteItems deep-copies every table while other request threads write to
    it: "RuntimeError: dictionary changed size during iteration", an HTTP 500 that botocore
    retries and, under load, gives up on (or retries a transaction that had partly applied).
    DynamoDB calls take milliseconds here, so one lock costs nothing a test would notice.
    """
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.call_action
    if getattr(original, "_mediaflow_patched", False):
        return
    lock = threading.RLock()

    def one_at_a_time(self: Any) -> Any:
        with lock:
            return original(self)

    one_at_a_time._mediaflow_patched = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = one_at_a_time  # type: ignore[method-assign]


class MotoServer:
    """A ThreadedMotoServer bound to loopback; ``port=0`` picks a free port."""

    def __init__(self, port: int = 0) -> None:
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.port = port
        self._running = False

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one access-log line per AWS call
        _patch_s3_version_ids()
        _patch_s3_preflight()
        _serialize_dynamodb()
        self._server.start()
        self._running = True
        self.port = self._server.get_host_and_port()[1]

    def stop(self) -> None:
        if self._running:
            self._running = False
            self._server.stop()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return client_env(self.endpoint)


def client_env(endpoint: str) -> dict[str, str]:
    """What a boto3 client (function, test, shell) needs to talk to the moto at ``endpoint``."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        **DUMMY_CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
    }


def function_env(endpoint: str, extra_env: dict[str, str]) -> dict[str, str]:
    """The base environment of every function of the local stack (before the template's own)."""
    return {
        **client_env(endpoint),
        "AWS_SESSION_TOKEN": "testing",
        "MEDIAFLOW_S3_PUBLIC_ENDPOINT": endpoint,
        **extra_env,
    }
