"""DELETE /v1/{project_id}/template_group/transcodings?group_id= - a group and its templates (MPC)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import group_service

router = Router()
HEX32 = r"^[0-9a-f]{32}$"


@router.delete(
    "/v1/<project_id>/template_group/transcodings",
    summary="DeleteTemplateGroup",
    description="204. Deletes the group's templates too.",
    tags=["Transcoding template groups"],
)
def delete_template_group(
    project_id: Annotated[str, Path()],
    group_id: Annotated[str, Query(pattern=HEX32, description="A template group id (32 hex digits)")],
) -> Response[str]:
    group_service.delete_group(project_id, group_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
