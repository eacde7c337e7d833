"""DELETE /v1/{project_id}/template/watermark?template_id= - DeleteWatermarkTemplate (MPC)."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import watermark_templates

router = Router()


@router.delete(
    "/v1/<project_id>/template/watermark", summary="DeleteWatermarkTemplate", tags=["Watermark templates"]
)
def delete_watermark_template(
    project_id: Annotated[str, Path()], template_id: Annotated[str, Query(max_length=20)]
) -> Response[str]:
    watermark_templates.delete(project_id, template_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
