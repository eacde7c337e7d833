"""Schedule -> fail SmartCover jobs whose worker stopped sending heartbeats."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.ci import worker
from mediaflow.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    reaped = worker.reap()
    if reaped:
        logger.warning("stale smart cover jobs failed", extra={"jobs": reaped})
    return {"reaped": reaped}
