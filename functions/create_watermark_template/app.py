"""POST /v1/{project_id}/template/watermark - CreateWatermarkTemplate (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import watermark_templates
from mediaflow.mediaops.watermarks import WatermarkTemplate

router = Router()


@router.post(
    "/v1/<project_id>/template/watermark",
    summary="CreateWatermarkTemplate",
    description=(
        "type Image; dx/dy pixels or ratio; referpos TopRight/TopLeft/BottomRight/BottomLeft; width/height "
        "pixels or ratio; timeline_start/timeline_duration (ToEND); image_process "
        "Original/Grayed/Transparent; base input/output. 201 {template_id}."
    ),
    tags=["Watermark templates"],
)
def create_watermark_template(
    project_id: Annotated[str, Path()], body: Annotated[WatermarkTemplate, Body()]
) -> Response[dict[str, Any]]:
    created = watermark_templates.create(project_id, body)
    return Response(status_code=201, content_type="application/json", body=created)


lambda_handler = make_api_handler(router, Family.MPC)
