"""PUT /v1/{project_id}/template_group/transcodings - redefine a template group (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import group_service

router = Router()


@router.put(
    "/v1/<project_id>/template_group/transcodings",
    summary="UpdateTemplateGroup",
    description="The whole definition plus group_id; each position keeps its template id.",
    tags=["Transcoding template groups"],
)
def update_template_group(
    project_id: Annotated[str, Path()], body: Annotated[group_service.UpdateGroupRequest, Body()]
) -> dict[str, Any]:
    return group_service.update_group(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
