"""GET /v1/{project_id}/jobs/{JobId} - DescribeMediaJob (CI): up to 10 comma-separated JobIds;
``GET /jobs/{JobId}``: the SDK's host-style form, the project from the key."""

from typing import Annotated
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import cover_jobs, wire

router = Router()


@router.get(
    "/v1/<project_id>/jobs/<JobId>",
    summary="DescribeMediaJob",
    description="JobsDetail (with Progress and, once done, MediaResult) per id; unknown ids: NonExistJobIds.",
    tags=["Smart cover"],
)
def describe_media_jobs(
    project_id: Annotated[str, Path()], JobId: Annotated[str, Path(max_length=400)]
) -> Response[str]:
    # Powertools reads the raw path: cos-python-sdk-v5 sends the ids' commas as %2C
    return wire.respond(router.current_event, cover_jobs.describe(project_id, unquote(JobId)))


@router.get("/jobs/<JobId>", summary="DescribeMediaJob (host-style)", tags=["CI host-style"])
def describe_media_jobs_host(JobId: Annotated[str, Path(max_length=400)]) -> Response[str]:
    return describe_media_jobs(caller_project(router), JobId)


lambda_handler = make_api_handler(router, Family.CI)
