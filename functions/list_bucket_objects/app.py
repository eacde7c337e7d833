"""GET /v1.0-ext/{project_id}/objects - ListAllObsObjList (MPC): objects of a bucket this project may use."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.buckets import listing

router = Router()


@router.get(
    "/v1.0-ext/<project_id>/objects",
    summary="ListAllObsObjList",
    description="bucket (required), prefix, type (extensions), marker and size (1-1000) for paging.",
    tags=["Buckets"],
)
def list_bucket_objects(
    project_id: Annotated[str, Path()],
    bucket: Annotated[str, Query(min_length=3, max_length=63)],
    prefix: Annotated[str | None, Query(max_length=1024)] = None,
    type: Annotated[str | None, Query(max_length=200)] = None,
    marker: Annotated[str | None, Query(max_length=1024)] = None,
    size: Annotated[str | None, Query(max_length=8)] = None,
) -> dict[str, Any]:
    return listing.list_objects(project_id, bucket, prefix=prefix, kind=type, marker=marker, size=size)


lambda_handler = make_api_handler(router, Family.MPC)
