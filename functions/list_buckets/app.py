"""GET /v1/{project_id}/buckets - ListAllBuckets (MPC): the media bucket and this project's own buckets."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.buckets import grants

router = Router()


@router.get(
    "/v1/<project_id>/buckets",
    summary="ListAllBuckets",
    description="The media bucket and every bucket this project authorized (is_authorized 0 once revoked).",
    tags=["Buckets"],
)
def list_buckets(project_id: Annotated[str, Path()]) -> dict[str, Any]:
    return grants.list_buckets(project_id)


lambda_handler = make_api_handler(router, Family.MPC)
