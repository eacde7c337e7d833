"""GET /v1/{project_id}/template - DescribeMediaTemplates (CI): the project's SmartCover templates;
``GET /template``: the SDK's host-style form, the project from the key."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from mediaflow.api.app import caller_project, make_api_handler
from mediaflow.api.families import Family
from mediaflow.ci import templates, wire

router = Router()
Short = Annotated[str | None, Query(max_length=64)]


@router.get(
    "/v1/<project_id>/template",
    summary="DescribeMediaTemplates",
    description="tag (SmartCover), category (Custom|Official), ids (comma list), name, pageNumber, pageSize.",
    tags=["Smart cover"],
)
def list_ci_templates(
    project_id: Annotated[str, Path()],
    tag: Short = None,
    category: Short = None,
    ids: Annotated[str | None, Query(max_length=7000)] = None,
    name: Short = None,
    page_number: Annotated[str | None, Query(alias="pageNumber", max_length=8)] = None,
    page_size: Annotated[str | None, Query(alias="pageSize", max_length=8)] = None,
) -> Response[str]:
    body = templates.describe(
        project_id,
        tag=tag,
        category=category,
        template_ids=ids,
        name=name,
        page_number=page_number,
        page_size=page_size,
    )
    return wire.respond(router.current_event, body)


@router.get("/template", summary="DescribeMediaTemplates (host-style)", tags=["CI host-style"])
def list_ci_templates_host(
    tag: Short = None,
    category: Short = None,
    ids: Annotated[str | None, Query(max_length=7000)] = None,
    name: Short = None,
    page_number: Annotated[str | None, Query(alias="pageNumber", max_length=8)] = None,
    page_size: Annotated[str | None, Query(alias="pageSize", max_length=8)] = None,
) -> Response[str]:
    return list_ci_templates(caller_project(router), tag, category, ids, name, page_number, page_size)


lambda_handler = make_api_handler(router, Family.CI)
