"""The replay store: one item per accepted signature (or nonce) until it could no longer be valid.

``pk=REPLAY#<scheme>#<sha256(key id + replay id)>``: a conditional put succeeds only for the first
request; ``expires_at`` (the table's TTL attribute) lets DynamoDB drop it, and the condition treats
an expired item as absent, because TTL deletion lags by up to two days.
"""

from __future__ import annotations

import hashlib
import time

from mediaflow import aws
from mediaflow.settings import get_settings


def first_use(scheme: str, access_key_id: str, replay_id: str, until: float) -> bool:
    """Record the request; False when it was recorded before and has not expired."""
    digest = hashlib.sha256(f"{access_key_id}\n{replay_id}".encode()).hexdigest()
    ddb = aws.client("dynamodb")
    now = int(time.time())
    try:
        ddb.put_item(
            TableName=get_settings().table_name,
            Item={
                "pk": {"S": f"REPLAY#{scheme}#{digest}"},
                "sk": {"S": "REPLAY"},
                "kind": {"S": "replay"},
                "expires_at": {"N": str(int(until) + 1)},
            },
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )
    except ddb.exceptions.ConditionalCheckFailedException:
        return False
    return True
