"""Operator commands: ``python -m mediaflow.admin create-project NAME [--usage-plan-id ID] [--json]``,
``issue-token PROJECT_ID`` and ``access-key create|list|disable|enable|delete PROJECT_ID [KEY_ID]``.

The token is printed once and stored only as a hash; the project's first callback signing
secret and first access key pair (for the vendors' SDKs; the secret is stored KMS-encrypted) are
printed with it. With
``--usage-plan-id`` (the stack output ``UsagePlanId``) the project also gets an API Gateway
API key in that usage plan, which the authorizer returns as the usage identifier so throttling
applies per project.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys

from mediaflow import aws
from mediaflow.access_keys import store as access_keys
from mediaflow.notifications import config as notification_config
from mediaflow.projects import store


def _create_api_key(name: str, usage_plan_id: str) -> str:
    apigw = aws.client("apigateway")
    key = apigw.create_api_key(name=f"mediaflow-{name}", enabled=True)
    apigw.create_usage_plan_key(usagePlanId=usage_plan_id, keyId=key["id"], keyType="API_KEY")
    return str(key["value"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mediaflow.admin")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-project", help="create a project and print its token (shown once)")
    create.add_argument("name")
    create.add_argument(
        "--usage-plan-id", default="", help="stack output UsagePlanId (or $MEDIAFLOW_USAGE_PLAN_ID)"
    )
    create.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    token_cmd = sub.add_parser("issue-token", help="issue one more token for a project")
    token_cmd.add_argument("project_id")
    policy_cmd = sub.add_parser(
        "bucket-policy", help="print the bucket policy that lets a project use a bucket"
    )
    policy_cmd.add_argument("project_id")
    policy_cmd.add_argument("bucket")
    keys = sub.add_parser(
        "access-key", help="a project's access keys for the vendors' SDKs (at most 2 active)"
    )
    keys.add_argument("action", choices=["create", "list", "disable", "enable", "delete"])
    keys.add_argument("project_id")
    keys.add_argument("access_key_id", nargs="?", default="")
    keys.add_argument("--description", default="")
    args = parser.parse_args(argv)
    if args.command == "access-key":
        return _access_key(args.action, args.project_id, args.access_key_id, args.description)

    if args.command == "bucket-policy":
        from mediaflow.buckets.policy import bucket_policy
        from mediaflow.settings import get_settings

        settings = get_settings()
        document = bucket_policy(args.bucket, args.project_id, settings.account_id, settings.stack_name)
        print(json.dumps(document, indent=2))
        return 0

    if args.command == "create-project":
        usage_plan_id = args.usage_plan_id or os.environ.get("MEDIAFLOW_USAGE_PLAN_ID", "")
        # Without a usage plan (the local stack) the key only identifies the project for throttling.
        api_key = (
            _create_api_key(args.name, usage_plan_id) if usage_plan_id else "local-" + secrets.token_hex(16)
        )
        project, token = store.create_project(args.name, api_key=api_key)
        secret = notification_config.create_secret(project.project_id)  # every callback is signed
        key, key_secret = access_keys.create(project.project_id, "first key")
        created = {
            "project_id": project.project_id,
            "name": project.name,
            "token": token,
            "signing_secret": secret.value,
            "access_key_id": key.access_key_id,
            "access_key_secret": key_secret,
        }
        if args.json:
            print(json.dumps(created))
        else:
            print("\n".join(f"{k + ':':16}{v}" for k, v in created.items()))
            print("(the token, the signing secret and the access key secret are shown only once)")
        return 0
    token = store.issue_token(args.project_id)
    print(json.dumps({"project_id": args.project_id, "token": token}))
    return 0


def _access_key(action: str, project_id: str, access_key_id: str, description: str) -> int:
    store.get_project(project_id)  # NotFound for a project that does not exist
    if action == "create":
        key, secret = access_keys.create(project_id, description)
        print(json.dumps({**key.view(), "secret": secret}))
        return 0
    if action == "list":
        print(json.dumps([key.view() for key in access_keys.list_keys(project_id)]))
        return 0
    if not access_key_id:
        print(f"access-key {action} needs an ACCESS_KEY_ID", file=sys.stderr)
        return 2
    if action == "delete":
        access_keys.delete(project_id, access_key_id)
        print(json.dumps({"deleted": access_key_id}))
        return 0
    status = access_keys.ENABLED if action == "enable" else access_keys.DISABLED
    print(json.dumps(access_keys.set_status(project_id, access_key_id, status).view()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
