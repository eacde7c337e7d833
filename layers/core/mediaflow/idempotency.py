"""Powertools idempotency records, kept in the media table next to the items they protect."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

from mediaflow import aws
from mediaflow.settings import get_settings

WEEK_S = 7 * 24 * 3600
_configs: list[IdempotencyConfig] = []
_context: list[Any] = []  # the current invocation's context, for configs made during it


@cache
def persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=get_settings().table_name,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",  # the table's TTL attribute removes old records
        boto3_client=aws.client("dynamodb"),
    )


def config(key_path: str, *, expires_s: int = WEEK_S) -> IdempotencyConfig:
    made = IdempotencyConfig(
        event_key_jmespath=key_path, expires_after_seconds=expires_s, raise_on_no_idempotency_key=True
    )
    _configs.append(made)
    if _context:
        made.register_lambda_context(_context[0])
    return made


def register_context(context: Any) -> None:
    """Let in-progress records expire with the invocation, so a timed-out run can be retried."""
    _context[:] = [context]
    for made in _configs:
        made.register_lambda_context(context)


def once(function: Any, *, key_path: str, data_keyword: str, name: str) -> Any:
    """Wrap ``function`` so each distinct ``key_path`` value of its data argument runs once."""
    from aws_lambda_powertools.utilities.idempotency import idempotent_function

    return idempotent_function(
        function,
        data_keyword_argument=data_keyword,
        persistence_store=persistence(),
        config=config(key_path),
        key_prefix=name,
    )
