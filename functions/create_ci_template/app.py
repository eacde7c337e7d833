"""POST /v1/{project_id}/template - CreateMediaTemplate, Tag SmartCover (CI): XML or JSON;
``POST /template``: the SDK's host-style form, the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import templates, wire
from mediaflow.ci.models import TemplateRequest, parse

router = Router()


@router.post(
    "/v1/<project_id>/template",
    summary="CreateMediaTemplate (SmartCover)",
    description=(
        "Body `<Request>` (or JSON): Tag SmartCover, Name (1-64 letters, digits, _ - *), SmartCover{Format "
        "jpg|png|webp, Width/Height 128-4096, Count 1-10 (3), DeleteDuplicates}. "
        "Answers `<Response><Template>`."
    ),
    tags=["Smart cover"],
)
def create_ci_template(project_id: Annotated[str, Path()]) -> Response[str]:
    event = router.current_event
    request = parse(TemplateRequest, wire.read_request(event))
    return wire.respond(event, templates.create(project_id, request))


@router.post("/template", summary="CreateMediaTemplate (host-style)", tags=["CI host-style"])
def create_ci_template_host() -> Response[str]:
    return create_ci_template(caller_project(router))


lambda_handler = make_api_handler(router, Family.CI, document=TemplateRequest)
