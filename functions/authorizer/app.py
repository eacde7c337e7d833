"""REQUEST authorizer: token -> project; Allow only the caller's own /v1/{project_id}/* paths."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from mediaflow.auth import authorize
from mediaflow.observability import logger


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return authorize(event)
