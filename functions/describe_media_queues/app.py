"""GET /v1/{project_id}/queue - DescribeMediaQueues (CI): the project's queue (made on first use);
``GET /queue``: the SDK's host-style form, the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import queues, wire

router = Router()
Short = Annotated[str | None, Query(max_length=64)]


@router.get(
    "/v1/<project_id>/queue",
    summary="DescribeMediaQueues",
    description="queueIds (<= 10), state Active|Paused, category, pageNumber, pageSize; NonExistPIDs.",
    tags=["Smart cover"],
)
def describe_media_queues(
    project_id: Annotated[str, Path()],
    queue_ids: Annotated[str | None, Query(alias="queueIds", max_length=1024)] = None,
    state: Short = None,
    category: Short = None,
    page_number: Annotated[str | None, Query(alias="pageNumber", max_length=8)] = None,
    page_size: Annotated[str | None, Query(alias="pageSize", max_length=8)] = None,
) -> Response[str]:
    event = router.current_event
    body = queues.describe(
        project_id,
        request_id=str(event.request_context.request_id or ""),
        queue_ids=queue_ids,
        state=state,
        category=category,
        page_number=page_number,
        page_size=page_size,
    )
    return wire.respond(event, body)


@router.get("/queue", summary="DescribeMediaQueues (host-style)", tags=["CI host-style"])
def describe_media_queues_host(
    queue_ids: Annotated[str | None, Query(alias="queueIds", max_length=1024)] = None,
    state: Short = None,
    category: Short = None,
    page_number: Annotated[str | None, Query(alias="pageNumber", max_length=8)] = None,
    page_size: Annotated[str | None, Query(alias="pageSize", max_length=8)] = None,
) -> Response[str]:
    return describe_media_queues(caller_project(router), queue_ids, state, category, page_number, page_size)


lambda_handler = make_api_handler(router, Family.CI)
