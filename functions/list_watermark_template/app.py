"""GET /v1/{project_id}/template/watermark - ListWatermarkTemplate (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import watermark_templates

router = Router()


@router.get(
    "/v1/<project_id>/template/watermark",
    summary="ListWatermarkTemplate",
    description="template_id (<= 10) wins; else the project's templates, oldest first, by page and size.",
    tags=["Watermark templates"],
)
def list_watermark_template(
    project_id: Annotated[str, Path()],
    template_id: Annotated[list[str] | None, Query()] = None,
    page: Annotated[str | None, Query()] = None,
    size: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    return watermark_templates.query(project_id, template_id or [], page, size)


lambda_handler = make_api_handler(router, Family.MPC)
