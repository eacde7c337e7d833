"""POST /v1/{project_id}/extract-metadata - CreateExtractTask (MPC): a source's metadata and MD5."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler, sync_budget_s
from mediaflow.api.families import Family
from mediaflow.mediaops import extract_tasks
from mediaflow.mediaops.extract_tasks import CreateExtractTaskReq

router = Router()


@router.post(
    "/v1/<project_id>/extract-metadata",
    summary="CreateExtractTask",
    description="sync 1: the metadata (format, duration, bitrate, size, md5, every stream) in the answer.",
    tags=["Metadata extraction"],
)
def create_extract_task(
    project_id: Annotated[str, Path()], body: Annotated[CreateExtractTaskReq, Body()]
) -> dict[str, Any]:
    return extract_tasks.create(project_id, body, sync_budget_s(router.lambda_context))


lambda_handler = make_api_handler(router, Family.MPC)
