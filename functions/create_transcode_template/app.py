"""POST /v1/{project_id}/template/transcodings - create a custom transcoding template (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import template_service
from mediaflow.transcode.templates import Template

router = Router()


@router.post(
    "/v1/<project_id>/template/transcodings",
    summary="CreateTransTemplate",
    description="201 {template_id}. Names: 1-128 ASCII letters, digits, underscore; unique per project.",
    tags=["Transcoding templates"],
)
def create_transcode_template(
    project_id: Annotated[str, Path()], body: Annotated[Template, Body()]
) -> Response[dict[str, Any]]:
    created = template_service.create_template(project_id, body)
    return Response(status_code=201, content_type="application/json", body=created)


lambda_handler = make_api_handler(router, Family.MPC)
