"""Schedule -> the backstop of crash recovery: every job kind's running jobs whose heartbeat went
silent are put back in their line (or failed after their last attempt)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.job_kinds import BY_KIND
from mediaflow.jobs import recovery
from mediaflow.observability import logger


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    recovered = recovery.sweep(BY_KIND)
    if recovered:
        logger.warning("silent jobs recovered", extra={"jobs": recovered})
    return {"recovered": recovered}
