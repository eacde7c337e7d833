"""Data access for projects and token hashes (the only module that writes them)."""

from __future__ import annotations

from dataclasses import dataclass

from mediaflow import aws, clock, ids
from mediaflow.errors import Conflict, NotFound
from mediaflow.projects.tokens import new_token, token_hash
from mediaflow.settings import get_settings


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    created_at: str
    api_key: str = ""


def _project_key(project_id: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": f"P#{project_id}"}, "sk": {"S": "PROJECT"}}


def create_project(name: str, api_key: str = "") -> tuple[Project, str]:
    """Create a project and its first token. Returns the token in clear, the only time it exists."""
    table = get_settings().table_name
    project = Project(ids.new_hex_id(), name, clock.iso_z(clock.now()), api_key)
    token = new_token()
    item = {
        **_project_key(project.project_id),
        "kind": {"S": "project"},
        "project_id": {"S": project.project_id},
        "name": {"S": name},
        "created_at": {"S": project.created_at},
        "api_key": {"S": api_key},
        "gsi1pk": {"S": "PROJECTS"},
        "gsi1sk": {"S": f"{project.created_at}#{project.project_id}"},
    }
    token_item = {
        "pk": {"S": f"TOKEN#{token_hash(token)}"},
        "sk": {"S": "TOKEN"},
        "kind": {"S": "token"},
        "project_id": {"S": project.project_id},
        "created_at": {"S": project.created_at},
    }
    aws.client("dynamodb").transact_write_items(
        TransactItems=[
            {"Put": {"TableName": table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {
                "Put": {
                    "TableName": table,
                    "Item": token_item,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
        ]
    )
    return project, token


def issue_token(project_id: str) -> str:
    """An additional token for an existing project (rotation: old tokens stay until revoked)."""
    get_project(project_id)
    token = new_token()
    try:
        aws.client("dynamodb").put_item(
            TableName=get_settings().table_name,
            Item={
                "pk": {"S": f"TOKEN#{token_hash(token)}"},
                "sk": {"S": "TOKEN"},
                "kind": {"S": "token"},
                "project_id": {"S": project_id},
                "created_at": {"S": clock.iso_z(clock.now())},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except aws.client("dynamodb").exceptions.ConditionalCheckFailedException as exc:
        raise Conflict("token collision") from exc
    return token


def revoke_token(token: str) -> None:
    aws.client("dynamodb").delete_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"TOKEN#{token_hash(token)}"}, "sk": {"S": "TOKEN"}},
    )


def get_project(project_id: str) -> Project:
    item = aws.client("dynamodb").get_item(TableName=get_settings().table_name, Key=_project_key(project_id))
    found = item.get("Item")
    if not found:
        raise NotFound(project_id)
    return Project(
        project_id=found["project_id"]["S"],
        name=found["name"]["S"],
        created_at=found["created_at"]["S"],
        api_key=found.get("api_key", {}).get("S", ""),
    )


def project_for_token(token: str) -> Project | None:
    """The project a token belongs to, or None. Two GetItems, no Scan."""
    item = aws.client("dynamodb").get_item(
        TableName=get_settings().table_name,
        Key={"pk": {"S": f"TOKEN#{token_hash(token)}"}, "sk": {"S": "TOKEN"}},
        ConsistentRead=True,
    )
    found = item.get("Item")
    if not found:
        return None
    try:
        return get_project(found["project_id"]["S"])
    except NotFound:
        return None
