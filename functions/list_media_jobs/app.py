"""GET /v1/{project_id}/jobs - DescribeMediaJobs (CI): a project's SmartCover jobs, paged;
``GET /jobs``: the SDK's host-style form (``<Bucket>.<endpoint>``), the project from the key."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import listing, wire

router = Router()
STATE = "(All|Submitted|Running|Success|Failed|Pause|Cancel)"
# CI's time format; the month, day, hour and zone ranges are what strptime accepts
TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"[+ -](0[0-9]|1[0-4])[0-5][0-9]$"  # a '+' left unencoded arrives as a space
)
# The query parameters, shared by the path-style and the host-style route.
Tag = Annotated[Literal["SmartCover"], Query(description="Required: SmartCover")]
QueueId = Annotated[str | None, Query(alias="queueId", max_length=64)]
States = Annotated[
    str | None, Query(pattern=rf"^({STATE}(,{STATE}){{0,6}})?$", description="Comma list, or All")
]
StartTime = Annotated[
    str | None, Query(alias="startCreationTime", pattern=TIME, description="2001-01-01T00:00:00+0800")
]
EndTime = Annotated[str | None, Query(alias="endCreationTime", pattern=TIME)]
InputObject = Annotated[str | None, Query(alias="inputObject", max_length=1024)]
OrderByTime = Annotated[Literal["Desc", "Asc", ""] | None, Query(alias="orderByTime")]
Size = Annotated[str | None, Query(pattern=r"^([1-9][0-9]?|100)?$", description="1-100, default 10")]
NextToken = Annotated[str | None, Query(alias="nextToken", max_length=2048)]


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
    tag: Tag,
    queue_id: QueueId = None,
    states: States = None,
    start_creation_time: StartTime = None,
    end_creation_time: EndTime = None,
    input_object: InputObject = None,
    order_by_time: OrderByTime = None,
    size: Size = None,
    next_token: NextToken = None,
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
    tag: Tag,
    queue_id: QueueId = None,
    states: States = None,
    start_creation_time: StartTime = None,
    end_creation_time: EndTime = None,
    input_object: InputObject = None,
    order_by_time: OrderByTime = None,
    size: Size = None,
    next_token: NextToken = None,
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
