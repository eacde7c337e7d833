"""GET /v1/{project_id}/remux - ListRemuxTask (MPC)."""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import make_api_handler
from mediaflow.api.families import Family
from mediaflow.remux import query

router = Router()


@router.get(
    "/v1/<project_id>/remux",
    summary="ListRemuxTask",
    description="task_id (<= 10) wins; else status, start_time/end_time (yyyymmddhhmmss UTC), page, size.",
    tags=["Packaging"],
)
def list_remux_tasks(
    project_id: Annotated[str, Path()],
    task_id: Annotated[list[str] | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
    start_time: Annotated[str | None, Query()] = None,
    end_time: Annotated[str | None, Query()] = None,
    input_bucket: Annotated[str | None, Query(max_length=63)] = None,
    input_object: Annotated[str | None, Query(max_length=1024)] = None,
    page: Annotated[str | None, Query()] = None,
    size: Annotated[str | None, Query()] = None,
) -> dict[str, Any]:
    return query.query(
        project_id,
        task_ids=task_id or [],
        status=status,
        start_time=start_time,
        end_time=end_time,
        input_bucket=input_bucket,
        input_object=input_object,
        page=page,
        size=size,
    )


lambda_handler = make_api_handler(router, Family.MPC)
