"""POST /v1/{project_id}/animated-graphics - CreateAnimatedGraphicsTask (MPC): queue a GIF/WebP."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.mediaops import animated_tasks
from mediaflow.mediaops.animation import CreateAnimatedGraphicsTaskReq

router = Router()


@router.post(
    "/v1/<project_id>/animated-graphics",
    summary="CreateAnimatedGraphicsTask",
    description=(
        "output_param: format gif/webp, width/height (0 source, -1 from the other, even), start/end in ms "
        "(<= 60 s apart), frame_rate 1-75. Never larger than the source."
    ),
    tags=["Animated graphics"],
)
def create_animated_graphics_task(
    project_id: Annotated[str, Path()], body: Annotated[CreateAnimatedGraphicsTaskReq, Body()]
) -> dict[str, Any]:
    return animated_tasks.create(project_id, body)


lambda_handler = make_api_handler(router, Family.MPC)
