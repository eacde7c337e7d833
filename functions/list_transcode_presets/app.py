"""GET /v1/{project_id}/template/transcodings/presets - every system template (MPC family)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.transcode import template_service

router = Router()


@router.get(
    "/v1/<project_id>/template/transcodings/presets",
    summary="ListSystemTemplates",
    description="System templates (ids 1-999): H.264/H.265 360p-2160p as HLS, DASH, MP4; AAC (ADTS); MP3.",
    tags=["Transcoding templates"],
)
def list_transcode_presets(project_id: Annotated[str, Path()]) -> dict[str, Any]:
    return template_service.list_presets()


lambda_handler = make_api_handler(router, Family.MPC)
