"""POST /v1/{project_id}/transcodings - CreateTranscodingTask (MPC): queue a task, answer its id."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import tasks

router = Router()


@router.post(
    "/v1/<project_id>/transcodings",
    summary="CreateTranscodingTask",
    description="One input, up to 9 templates (trans_template_id); priority 9 (high) or 6 (default).",
    tags=["Transcoding"],
)
def create_transcode_task(
    project_id: Annotated[str, Path()], body: Annotated[tasks.CreateTranscodingRequest, Body()]
) -> Response[dict[str, Any]]:
    return Response(
        status_code=202, content_type="application/json", body=tasks.create_task(project_id, body)
    )


lambda_handler = make_api_handler(router, Family.MPC)
