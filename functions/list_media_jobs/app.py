"""GET /v1/{project_id}/jobs - DescribeMediaJobs (CI): a project's SmartCover jobs, paged;
``GET /jobs``: the SDK's host-style form (``<Bucket>.<endpoint>``), the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import listing, wire

router = Router()
Text = Annotated[str | None, Query(max_length=2048)]


@router.get(
    "/v1/<project_id>/jobs",
    summary="DescribeMediaJobs",
    description=(
        "tag=SmartCover (required), queueId, states (comma list or All), startCreationTime/endCreationTime "
        "(2001-01-01T00:00:00+0800), inputObject, orderByTime Desc|Asc, size 1-100, nextToken."
    ),
    tags=["Smart cover"],
)
def list_media_jobs(
    project_id: Annotated[str, Path()],
    tag: Text = None,
    queue_id: Annotated[str | None, Query(alias="queueId", max_length=64)] = None,
    states: Text = None,
    start_creation_time: Annotated[str | None, Query(alias="startCreationTime", max_length=64)] = None,
    end_creation_time: Annotated[str | None, Query(alias="endCreationTime", max_length=64)] = None,
    input_object: Annotated[str | None, Query(alias="inputObject", max_length=1024)] = None,
    order_by_time: Annotated[str | None, Query(alias="orderByTime", max_length=8)] = None,
    size: Annotated[str | None, Query(max_length=8)] = None,
    next_token: Annotated[str | None, Query(alias="nextToken", max_length=2048)] = None,
) -> Response[str]:
    body = listing.list_jobs(
        project_id,
        tag=tag,
        queue_id=queue_id,
        states=states,
        start_time=start_creation_time,
        end_time=end_creation_time,
        input_object=input_object,
        order=order_by_time,
        size=size,
        next_token=next_token,
    )
    return wire.respond(router.current_event, body)


@router.get("/jobs", summary="DescribeMediaJobs (host-style)", tags=["CI host-style"])
def list_media_jobs_host(
    tag: Text = None,
    queue_id: Annotated[str | None, Query(alias="queueId", max_length=64)] = None,
    states: Text = None,
    start_creation_time: Annotated[str | None, Query(alias="startCreationTime", max_length=64)] = None,
    end_creation_time: Annotated[str | None, Query(alias="endCreationTime", max_length=64)] = None,
    input_object: Annotated[str | None, Query(alias="inputObject", max_length=1024)] = None,
    order_by_time: Annotated[str | None, Query(alias="orderByTime", max_length=8)] = None,
    size: Annotated[str | None, Query(max_length=8)] = None,
    next_token: Annotated[str | None, Query(alias="nextToken", max_length=2048)] = None,
) -> Response[str]:
    return list_media_jobs(
        caller_project(router),
        tag,
        queue_id,
        states,
        start_creation_time,
        end_creation_time,
        input_object,
        order_by_time,
        size,
        next_token,
    )


lambda_handler = make_api_handler(router, Family.CI)
