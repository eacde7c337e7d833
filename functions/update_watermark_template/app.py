"""PUT /v1/{project_id}/template/watermark - UpdateWatermarkTemplate (MPC): replace a template."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import watermark_templates
from mediaflow.mediaops.watermarks import WatermarkTemplate

router = Router()


@router.put(
    "/v1/<project_id>/template/watermark",
    summary="UpdateWatermarkTemplate",
    description="The whole template with its template_id; 204.",
    tags=["Watermark templates"],
)
def update_watermark_template(
    project_id: Annotated[str, Path()], body: Annotated[WatermarkTemplate, Body()]
) -> Response[str]:
    watermark_templates.update(project_id, body)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
