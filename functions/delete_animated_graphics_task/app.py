"""DELETE /v1/{project_id}/animated-graphics?task_id= - DeleteAnimatedGraphicsTask (MPC): cancel a task."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import animated_tasks

router = Router()


@router.delete(
    "/v1/<project_id>/animated-graphics", summary="DeleteAnimatedGraphicsTask", tags=["Animated graphics"]
)
def delete_animated_graphics_task(
    project_id: Annotated[str, Path()], task_id: Annotated[str, Query(max_length=20)]
) -> Response[str]:
    animated_tasks.cancel(project_id, task_id)
    return Response(status_code=204, body="")


lambda_handler = make_api_handler(router, Family.MPC)
