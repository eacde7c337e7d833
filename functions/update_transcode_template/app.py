"""PUT /v1/{project_id}/template/transcodings - replace a custom transcoding template (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import template_service

router = Router()


@router.put(
    "/v1/<project_id>/template/transcodings",
    summary="UpdateTransTemplate",
    description="The whole template plus template_id. System templates and group members are refused.",
    tags=["Transcoding templates"],
)
def update_transcode_template(
    project_id: Annotated[str, Path()],
    body: Annotated[template_service.UpdateTemplateRequest, Body()],
) -> dict[str, Any]:
    return template_service.update_template(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
