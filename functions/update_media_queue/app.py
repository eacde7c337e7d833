"""PUT /v1/{project_id}/queue/{QueueId} - UpdateMediaQueue (CI): Name, State, NotifyConfig;
``PUT /queue/{QueueId}``: the SDK's host-style form, the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import queues, views, wire
from mediaflow.ci.models import QueueUpdate, parse

router = Router()


@router.put(
    "/v1/<project_id>/queue/<QueueId>",
    summary="UpdateMediaQueue",
    description=(
        "Body `<Request>` (or JSON): Name, State Active|Paused, NotifyConfig{State On|Off, Event TaskFinish, "
        "ResultFormat XML|JSON, Type Url|TDMQ, Url (public address), MqMode, MqRegion, MqName}. Paused: "
        "Submitted jobs become Pause (running ones finish); Active: they run again in priority order."
    ),
    tags=["Smart cover"],
)
def update_media_queue(
    project_id: Annotated[str, Path()],
    QueueId: Annotated[str, Path(pattern=r"^p[0-9a-f]{32}$", description="The project's queue")],
) -> Response[str]:
    event = router.current_event
    request = parse(QueueUpdate, wire.read_request(event))
    queue = queues.update(project_id, QueueId, request)
    request_id = str(event.request_context.request_id or "")
    return wire.respond(event, {"RequestId": request_id, "Queue": views.queue_view(queue)})


@router.put("/queue/<QueueId>", summary="UpdateMediaQueue (host-style)", tags=["CI host-style"])
def update_media_queue_host(QueueId: Annotated[str, Path(max_length=64)]) -> Response[str]:
    return update_media_queue(caller_project(router), QueueId)


lambda_handler = make_api_handler(router, Family.CI, document=QueueUpdate)
