"""Physical ids: what Ref and Fn::GetAtt return for each resource type, CloudFormation style.

Planned before anything exists (so the template resolves without sockets); the resource creator
later replaces planned values with the real ones moto returned (e.g. queue URLs).
"""

from __future__ import annotations

import hashlib
from typing import Any

from local.cfn import ACCOUNT_ID, REGION

FUNCTION_TYPES = {"AWS::Serverless::Function", "AWS::Lambda::Function"}
LAYER_TYPES = {"AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"}
API_TYPES = {"AWS::Serverless::Api", "AWS::ApiGateway::RestApi"}
# properties that decide a physical name (resolved while planning, before anything exists)
NAME_PROPERTIES = (
    *("TableName", "BucketName", "TopicName", "QueueName", "RoleName", "Path", "FunctionName"),
    *("LayerName", "LogGroupName", "TopicArn", "FifoQueue", "FifoTopic", "Name"),
)


def api_id(logical_id: str, stack: str) -> str:
    """A stable 10-character id shaped like a real REST API id."""
    digest = int(hashlib.sha256(f"{stack}/{logical_id}".encode()).hexdigest(), 16)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(alphabet[(digest >> (5 * i)) % 36] for i in range(10))


def plan_ids(  # noqa: PLR0911 - one branch per resource type
    logical: str, rtype: str, props: dict[str, Any], stack: str
) -> tuple[str, dict[str, str]]:
    """Ref value and GetAtt attributes a resource gets (CloudFormation naming, local region)."""
    default = f"{stack}-{logical}"
    acct, region = ACCOUNT_ID, REGION
    if rtype == "AWS::DynamoDB::Table":
        name = props.get("TableName", default)
        return name, {"Arn": f"arn:aws:dynamodb:{region}:{acct}:table/{name}"}
    if rtype == "AWS::S3::Bucket":
        name = props.get("BucketName", default.lower())
        return name, {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        }
    if rtype == "AWS::SNS::Topic":
        name = props.get("TopicName", default + (".fifo" if props.get("FifoTopic") else ""))
        arn = f"arn:aws:sns:{region}:{acct}:{name}"
        return arn, {"TopicArn": arn, "TopicName": name}
    if rtype == "AWS::SQS::Queue":
        name = props.get("QueueName", default + (".fifo" if props.get("FifoQueue") else ""))
        url = f"https://sqs.{region}.amazonaws.com/{acct}/{name}"
        return url, {"Arn": f"arn:aws:sqs:{region}:{acct}:{name}", "QueueName": name, "QueueUrl": url}
    if rtype == "AWS::IAM::Role":
        name = props.get("RoleName", default)
        path = props.get("Path", "/")
        role_id = "AROA" + hashlib.sha256(name.encode()).hexdigest()[:17].upper()
        return name, {"Arn": f"arn:aws:iam::{acct}:role{path}{name}", "RoleId": role_id}
    if rtype in FUNCTION_TYPES:
        name = props.get("FunctionName", default)
        return name, {"Arn": f"arn:aws:lambda:{region}:{acct}:function:{name}"}
    if rtype in LAYER_TYPES:
        name = props.get("LayerName", logical)
        arn = f"arn:aws:lambda:{region}:{acct}:layer:{name}:1"
        return arn, {"Arn": arn}
    if rtype in API_TYPES:
        rest_api = api_id(logical, stack)
        return rest_api, {"RootResourceId": rest_api[:6]}
    if rtype == "AWS::Logs::LogGroup":
        name = props.get("LogGroupName", default)
        return name, {"Arn": f"arn:aws:logs:{region}:{acct}:log-group:{name}:*"}
    if rtype == "AWS::SecretsManager::Secret":  # Ref is the ARN; the service adds a random suffix
        name = props.get("Name", default)
        arn = f"arn:aws:secretsmanager:{region}:{acct}:secret:{name}"
        return arn, {"Id": arn}
    if rtype == "AWS::SNS::Subscription":
        return f"{props.get('TopicArn', default)}:{logical}", {}
    return default, {"Arn": f"arn:aws:local:{region}:{acct}:{logical}"}
