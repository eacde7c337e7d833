"""POST /v1/{project_id}/jobs - CreateMediaJobs, Tag SmartCover (CI, seed 002): XML or JSON;
``POST /jobs``: the SDK's host-style form (``<Bucket>.<endpoint>``), the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import cover_jobs, views, wire
from mediaflow.ci.models import SubmitRequest

router = Router()


@router.post(
    "/v1/<project_id>/jobs",
    summary="CreateMediaJobs (SmartCover)",
    description=(
        'Body: CI\'s `<Request>` (application/xml) or the same structure in JSON, `{"Request": {...}}` or '
        "the bare object: Tag SmartCover, Input.Object, Operation{TemplateId | SmartCover{Format, Width, "
        "Height, Count, DeleteDuplicates}, Output{Region, Bucket, Object with ${number}/${jobid}/${ext}}, "
        "UserData, JobLevel 0-2}, CallBack, CallBackFormat JSON|XML, CallBackType Url|TDMQ, "
        "CallBackMqConfig. Answers `<Response><JobsDetail>` (State Submitted, or Pause when the queue is "
        "paused) in the request's format unless Accept says otherwise."
    ),
    tags=["Smart cover"],
)
def submit_media_job(project_id: Annotated[str, Path()]) -> Response[str]:
    return _submit(project_id)


@router.post("/jobs", summary="CreateMediaJobs (host-style)", tags=["CI host-style"])
def submit_media_job_host() -> Response[str]:
    return _submit(caller_project(router))


def _submit(project_id: str) -> Response[str]:
    event = router.current_event
    job = cover_jobs.submit(project_id, wire.read_request(event))
    return wire.respond(event, {"JobsDetail": [views.jobs_detail(job, progress=False)]})


lambda_handler = make_api_handler(router, Family.CI, document=SubmitRequest)
