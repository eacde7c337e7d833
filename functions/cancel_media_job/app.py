"""PUT /v1/{project_id}/jobs/{JobId}?cancel - CancelMediaJob (CI): a Submitted or Pause job;
``PUT /jobs/{JobId}?cancel``: the SDK's host-style form, the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.ci_errors import invalid
from mediaflow.api.families import Family
from mediaflow.ci import cover_jobs

router = Router()


@router.put(
    "/v1/<project_id>/jobs/<JobId>",
    summary="CancelMediaJob",
    description="`?cancel`: a Submitted or Pause job becomes Cancel; 200 with an empty body.",
    tags=["Smart cover"],
)
def cancel_media_job(
    project_id: Annotated[str, Path()],
    JobId: Annotated[str, Path(pattern=r"^j[0-9a-f]{32}$", description="A SmartCover job id")],
    cancel: Annotated[str, Query(max_length=16, description="Required (any value): the only operation")],
) -> Response[str]:
    if cancel is None:
        raise invalid("the only operation on a job is ?cancel")
    cover_jobs.cancel(project_id, JobId)
    return Response(status_code=200, body="")


@router.put("/jobs/<JobId>", summary="CancelMediaJob (host-style)", tags=["CI host-style"])
def cancel_media_job_host(
    JobId: Annotated[str, Path(max_length=64)],
    cancel: Annotated[str | None, Query(max_length=16, description="present: cancel (any value)")] = None,
) -> Response[str]:
    return cancel_media_job(caller_project(router), JobId, cancel)


lambda_handler = make_api_handler(router, Family.CI)
