"""GET /v1/{project_id}/play-url - a playable URL for one of the project's objects (MP4, HLS...)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow import playback
from mediaflow.api.app import make_api_handler, request_id
from mediaflow.api.families import Family

router = Router()


@router.get(
    "/v1/<project_id>/play-url",
    summary="GetPlayURL",
    description="Object (a key as in transcoding requests), AuthTimeout (60-43200 s, default 1800). "
    "MP4 and other files: a presigned GET; HLS: a rewritten playlist whose variants and segments are "
    "presigned, so players need no header.",
    tags=["VOD playback"],
)
def get_play_url(
    project_id: Annotated[str, Path()],
    Object: Annotated[str | None, Query()] = None,
    AuthTimeout: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    return {"RequestId": request_id(router), **playback.play_url(project_id, Object, AuthTimeout)}


lambda_handler = make_api_handler(router, Family.VOD)
