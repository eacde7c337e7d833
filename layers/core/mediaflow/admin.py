"""Operator commands: ``python -m mediaflow.admin create-project NAME [--usage-plan-id ID] [--json]``
and ``issue-token PROJECT_ID``.

The token is printed once and stored only as a hash; the project's first callback signing
secret is printed with it (rotate it later through the notification API). With
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
    args = parser.parse_args(argv)

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
        created = {
            "project_id": project.project_id,
            "name": project.name,
            "token": token,
            "signing_secret": secret.value,
        }
        if args.json:
            print(json.dumps(created))
        else:
            print("\n".join(f"{k + ':':16}{v}" for k, v in created.items()))
            print("(the token and the signing secret are shown only once)")
        return 0
    token = store.issue_token(args.project_id)
    print(json.dumps({"project_id": args.project_id, "token": token}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
