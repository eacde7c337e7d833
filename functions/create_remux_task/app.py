"""POST /v1/{project_id}/remux - CreateRemuxTask (MPC): queue a stream-copy repackaging task."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.remux import service

router = Router()


@router.post(
    "/v1/<project_id>/remux",
    summary="CreateRemuxTask",
    description="output_param.format HLS, DASH or MP4 (stream copy), segment_duration 2-10, remove_meta.",
    tags=["Packaging"],
)
def create_remux_task(
    project_id: Annotated[str, Path()], body: Annotated[service.CreateRemuxRequest, Body()]
) -> dict[str, Any]:
    return service.create(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
