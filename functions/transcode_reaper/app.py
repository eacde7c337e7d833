"""Schedule -> fail transcoding tasks whose worker stopped sending heartbeats."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.observability import logger
from mediaflow.transcode import worker


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reaped = worker.reap()
    if reaped:
        logger.warning("stale transcoding tasks failed", extra={"tasks": reaped})
    return {"reaped": reaped}
