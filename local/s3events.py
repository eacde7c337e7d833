"""Make moto's S3 event notifications look like AWS's before product code sees them.

Measured with moto 5.2.5 (S3 -> SQS, one record per message); each rule below is applied by
``S3EventNormalizer.normalize`` to the SQS message body at the poller boundary:

1. Keys: moto encodes ``object.key`` with ``quote_plus`` *including* ``/``
   (``uploads%2Fa+b%2F%C3%BC%2Bx.mp4``); AWS keeps ``/`` (``uploads/a+b/%C3%BC%2Bx.mp4``).
   We re-encode as ``quote_plus(unquote_plus(key), safe="/")`` - idempotent, so an already
   AWS-shaped key is unchanged.
2. Multipart: ``CompleteMultipartUpload`` makes moto call ``put_object`` (which notifies
   ``ObjectCreated:Put``) and then notify ``ObjectCreated:CompleteMultipartUpload``; AWS sends
   only the latter.  The spurious record is an ``ObjectCreated:Put`` whose eTag has the multipart
   ``-<parts>`` suffix (a real PUT's eTag is a plain MD5); it is dropped, and a message left with
   no records is deleted without invoking the function.
3. Missing fields AWS always sends are filled with plausible values: ``userIdentity``,
   ``requestParameters.sourceIPAddress``, ``responseElements`` (``x-amz-request-id``,
   ``x-amz-id-2``), ``s3.bucket.ownerIdentity`` and ``s3.object.sequencer``.  The sequencer is an
   18-digit upper-case hex string, ``max(previous + 1, eventTime_ms << 20)``: strictly increasing
   in the order records are first seen (moto enqueues in write order), close to the event time,
   and stable across redeliveries of the same message.
4. ``s3:TestEvent`` messages (no ``Records``) pass through unchanged: AWS sends them too.

``s3.object.versionId`` is not recoverable here; ``local.moto_server`` adds it inside moto.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from collections import OrderedDict
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

MULTIPART_ETAG = re.compile(r"^[0-9a-fA-F]{32}-\d+$")
PRINCIPAL = "AWS:AIDAMOTOLOCALEXAMPLE"


def aws_key(moto_key: str) -> str:
    """An S3 event key encoded the AWS way (form encoding, ``/`` kept)."""
    return quote_plus(unquote_plus(moto_key), safe="/")


def is_spurious_multipart_put(record: dict[str, Any]) -> bool:
    etag = str(((record.get("s3") or {}).get("object") or {}).get("eTag", ""))
    return record.get("eventName") == "ObjectCreated:Put" and bool(MULTIPART_ETAG.match(etag))


def _event_ms(record: dict[str, Any]) -> int:
    try:
        return int(datetime.fromisoformat(str(record["eventTime"]).replace("Z", "+00:00")).timestamp() * 1000)
    except (KeyError, ValueError):
        return 0


class S3EventNormalizer:
    """Stateful only for sequencers (monotonic, stable per message)."""

    def __init__(self, memory: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._last = 0
        self._seen: OrderedDict[str, str] = OrderedDict()
        self._memory = memory

    def _sequencer(self, message_id: str, index: int, record: dict[str, Any]) -> str:
        ident = f"{message_id}/{index}"
        with self._lock:
            if ident in self._seen:
                return self._seen[ident]
            value = max(self._last + 1, _event_ms(record) << 20)
            self._last = value
            self._seen[ident] = f"{value:018X}"
            if len(self._seen) > self._memory:
                self._seen.popitem(last=False)
            return self._seen[ident]

    def normalize(self, body: str, message_id: str) -> str | None:
        """The body to deliver (rewritten if it is an S3 event), or None to drop the message."""
        try:
            doc = json.loads(body)
        except ValueError:
            return body
        records = doc.get("Records") if isinstance(doc, dict) else None
        if not isinstance(records, list) or not any(
            isinstance(r, dict) and r.get("eventSource") == "aws:s3" for r in records
        ):
            return body
        kept = []
        for index, record in enumerate(records):
            if record.get("eventSource") != "aws:s3":
                kept.append(record)
            elif not is_spurious_multipart_put(record):
                kept.append(self.normalize_record(record, message_id, index))
        if not kept:
            return None
        doc["Records"] = kept
        return json.dumps(doc)

    def normalize_record(self, record: dict[str, Any], message_id: str, index: int = 0) -> dict[str, Any]:
        record = json.loads(json.dumps(record))  # deep copy
        digest = hashlib.sha256(f"{message_id}/{index}".encode()).digest()
        record.setdefault("userIdentity", {"principalId": PRINCIPAL})
        record.setdefault("requestParameters", {"sourceIPAddress": "127.0.0.1"})
        record.setdefault(
            "responseElements",
            {"x-amz-request-id": digest[:8].hex().upper(), "x-amz-id-2": base64.b64encode(digest).decode()},
        )
        s3 = record.setdefault("s3", {})
        s3.setdefault("bucket", {}).setdefault("ownerIdentity", {"principalId": PRINCIPAL})
        obj = s3.setdefault("object", {})
        if "key" in obj:
            obj["key"] = aws_key(str(obj["key"]))
        obj.setdefault("sequencer", self._sequencer(message_id, index, record))
        return record
