"""POST /v1/{project_id}/template_group/transcodings - a template group and its templates (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import group_service, groups

router = Router()


@router.post(
    "/v1/<project_id>/template_group/transcodings",
    summary="CreateTemplateGroup",
    description="One template per videos entry (1-9), named <name>_<stream_name or index>.",
    tags=["Transcoding template groups"],
)
def create_template_group(
    project_id: Annotated[str, Path()], body: Annotated[groups.GroupDefinition, Body()]
) -> dict[str, Any]:
    return group_service.create_group(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
