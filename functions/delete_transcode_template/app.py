"""DELETE /v1/{project_id}/template/transcodings?template_id= - delete a custom template (MPC family)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import template_service

router = Router()


@router.delete(
    "/v1/<project_id>/template/transcodings",
    summary="DeleteTemplate",
    description="204. System templates and templates of a template group cannot be deleted here.",
    tags=["Transcoding templates"],
)
def delete_transcode_template(
    project_id: Annotated[str, Path()],
    template_id: Annotated[
        int, Query(ge=100000, le=2**63 - 1, description="A custom template (ids from 100000)")
    ],
) -> Response[str]:
    template_service.delete_template(project_id, template_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
