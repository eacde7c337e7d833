"""PUT /v1/{project_id}/authority - UpdateBucketAuthorized (MPC): authorize (1) or revoke (0) a bucket."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, Field

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.buckets import grants

router = Router()


class BucketAuthorizedReq(BaseModel):
    bucket: str = Field(min_length=3, max_length=63)
    operation: str | int = Field(description="1 authorize, 0 cancel the authorization")


@router.put(
    "/v1/<project_id>/authority",
    summary="UpdateBucketAuthorized",
    description="Granting checks HeadBucket, the bucket policy naming the project and a probe object.",
    tags=["Buckets"],
)
def update_bucket_authority(
    project_id: Annotated[str, Path()], body: Annotated[BucketAuthorizedReq, Body()]
) -> dict[str, Any]:
    return grants.update_authority(project_id, body.bucket, str(body.operation))


lambda_handler = make_api_handler(router, Family.MPC)
