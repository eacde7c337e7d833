"""GET /v1/{project_id}/jobs - DescribeMediaJobs (CI): a project's SmartCover jobs, paged."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import listing, wire

router = Router()
STATE = "(All|Submitted|Running|Success|Failed|Pause|Cancel)"
# CI's time format; the month, day, hour and zone ranges are what strptime accepts
TIME = (
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"[+ -](0[0-9]|1[0-4])[0-5][0-9]$"  # a '+' left unencoded arrives as a space
)


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
    tag: Annotated[Literal["SmartCover"], Query(description="Required: SmartCover")],
    queue_id: Annotated[str | None, Query(alias="queueId", max_length=64)] = None,
    states: Annotated[
        str | None, Query(pattern=rf"^({STATE}(,{STATE}){{0,6}})?$", description="Comma list, or All")
    ] = None,
    start_creation_time: Annotated[
        str | None, Query(alias="startCreationTime", pattern=TIME, description="2001-01-01T00:00:00+0800")
    ] = None,
    end_creation_time: Annotated[str | None, Query(alias="endCreationTime", pattern=TIME)] = None,
    input_object: Annotated[str | None, Query(alias="inputObject", max_length=1024)] = None,
    order_by_time: Annotated[Literal["Desc", "Asc", ""] | None, Query(alias="orderByTime")] = None,
    size: Annotated[
        str | None, Query(pattern=r"^([1-9][0-9]?|100)?$", description="1-100, default 10")
    ] = None,
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


lambda_handler = make_api_handler(router, Family.CI)
