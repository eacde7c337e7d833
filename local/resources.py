"""Create the template's stateful resources in moto, in dependency order.

Each creator reads the resolved Properties (so names, ARNs and redrive targets come from the
template) and records the real physical ids moto returned, which later resolutions use.
Bucket notifications are configured last, once every queue/topic they point at exists.
Types with no local meaning (log groups, policies, layers, APIs, functions) are listed, not made.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import boto3
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from local.cfn import REGION, PhysicalIds
from local.moto_server import DUMMY_CREDENTIALS
from local.template import Template, env_str

log = logging.getLogger("local.resources")

SQS_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
)
NOTIFICATION_KINDS = (  # CFN list, API list, CFN target key, API target key
    ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
    ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
)


class ResourceError(Exception):
    """A template resource could not be created in moto."""


class Clients:
    """boto3 clients bound to the moto endpoint, created on first use."""

    def __init__(self, endpoint: str) -> None:
        self.session = boto3.session.Session(
            aws_access_key_id=DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
            region_name=REGION,
        )
        self.endpoint = endpoint
        self._clients: dict[str, BaseClient] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint)  # type: ignore[call-overload]
        return self._clients[service]


def _table(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    name = ids.refs[logical]
    billing = props.get("BillingMode", "PROVISIONED")
    throughput = props.get("ProvisionedThroughput") or {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
    kwargs: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": billing,
    }
    if billing == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = throughput
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        indexes = []
        for spec in props.get(key) or []:
            index = {k: v for k, v in spec.items() if k in ("IndexName", "KeySchema", "Projection")}
            if billing == "PROVISIONED" and key.startswith("Global"):
                index["ProvisionedThroughput"] = throughput
            indexes.append(index)
        if indexes:
            kwargs[key] = indexes
    stream = props.get("StreamSpecification")
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    desc = c.dynamodb.create_table(**kwargs)["TableDescription"]
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        c.dynamodb.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]},
        )
    attrs = {"Arn": desc["TableArn"]}
    if desc.get("LatestStreamArn"):
        attrs["StreamArn"] = desc["LatestStreamArn"]
    ids.set(logical, name, **attrs)


def _bucket(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    name = ids.refs[logical]
    c.s3.create_bucket(Bucket=name)
    status = (props.get("VersioningConfiguration") or {}).get("Status")
    if status:
        c.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": status})
    rules = (props.get("CorsConfiguration") or {}).get("CorsRules")
    if rules:
        renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}
        cors = [{renamed.get(k, k): v for k, v in rule.items()} for rule in rules]
        c.s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": cors})
    encryption = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration")
    if encryption:
        sse = [
            {"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
            | ({"BucketKeyEnabled": r["BucketKeyEnabled"]} if "BucketKeyEnabled" in r else {})
            for r in encryption
        ]
        c.s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": sse})


def bucket_notification(props: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation NotificationConfiguration -> S3 PutBucketNotificationConfiguration shape."""
    source = props.get("NotificationConfiguration") or {}
    out: dict[str, Any] = {}
    for cfn_list, api_list, cfn_key, api_key in NOTIFICATION_KINDS:
        for entry in source.get(cfn_list) or []:
            item: dict[str, Any] = {api_key: entry[cfn_key], "Events": [entry["Event"]]}
            rules = ((entry.get("Filter") or {}).get("S3Key") or {}).get("Rules")
            if rules:
                item["Filter"] = {"Key": {"FilterRules": rules}}
            out.setdefault(api_list, []).append(item)
    if source.get("LambdaConfigurations"):
        log.warning("S3 -> Lambda notifications are not run locally; route them through SQS")
    if (source.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled"):
        out["EventBridgeConfiguration"] = {}
    return out


def _topic(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    name = ids.attrs[logical]["TopicName"]
    attributes = {
        k: env_str(props[k])
        for k in ("DisplayName", "FifoTopic", "ContentBasedDeduplication", "KmsMasterKeyId")
        if k in props
    }
    arn = c.sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    for sub in props.get("Subscription") or []:
        c.sns.subscribe(TopicArn=arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
    ids.set(logical, arn, TopicArn=arn, TopicName=name)


def _queue(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    name = ids.attrs[logical]["QueueName"]
    attributes = {}
    for key in SQS_ATTRIBUTES:
        if key in props:
            value = props[key]
            attributes[key] = json.dumps(value) if isinstance(value, dict) else env_str(value)
    url = c.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = c.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ids.set(logical, url, Arn=arn, QueueName=name, QueueUrl=url)


def _subscription(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    attributes = {}
    for key in ("RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"):
        if key in props:
            value = props[key]
            attributes[key] = json.dumps(value) if isinstance(value, dict) else env_str(value)
    arn = c.sns.subscribe(
        TopicArn=props["TopicArn"],
        Protocol=props["Protocol"],
        Endpoint=props["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    ids.set(logical, arn)


def _role(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    name = ids.refs[logical]
    kwargs: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": json.dumps(props["AssumeRolePolicyDocument"]),
        "Path": props.get("Path", "/"),
    }
    for key in ("MaxSessionDuration", "Description"):
        if key in props:
            kwargs[key] = props[key]
    role = c.iam.create_role(**kwargs)["Role"]
    for policy in props.get("Policies") or []:
        c.iam.put_role_policy(
            RoleName=name,
            PolicyName=policy["PolicyName"],
            PolicyDocument=json.dumps(policy["PolicyDocument"]),
        )
    for arn in props.get("ManagedPolicyArns") or []:
        try:
            c.iam.attach_role_policy(RoleName=name, PolicyArn=arn)
        except ClientError:  # moto does not load AWS managed policies by default
            log.debug("%s: managed policy %s not attached (unknown to moto)", logical, arn)
    ids.set(logical, name, Arn=role["Arn"], RoleId=role["RoleId"])


# GenerateSecretString properties -> GetRandomPassword parameters (the same names in both).
PASSWORD_OPTIONS = (
    *("PasswordLength", "ExcludeCharacters", "ExcludeNumbers", "ExcludePunctuation"),
    *("ExcludeUppercase", "ExcludeLowercase", "IncludeSpace", "RequireEachIncludedType"),
)


def _secret(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    """A secret, its value generated by the service as CloudFormation does (GenerateSecretString)."""
    name = ids.refs[logical].rsplit(":secret:", 1)[1]  # planned: the Name property or <stack>-<logical>
    value = props.get("SecretString")
    generate = props.get("GenerateSecretString")
    if generate is not None:
        options = {k: generate[k] for k in PASSWORD_OPTIONS if k in generate}
        password = c.secretsmanager.get_random_password(**options)["RandomPassword"]
        key = generate.get("GenerateStringKey")
        template = generate.get("SecretStringTemplate")
        value = json.dumps({**json.loads(template), key: password}) if key and template else password
    kwargs: dict[str, Any] = {"Name": name, "SecretString": value or ""}
    if "Description" in props:
        kwargs["Description"] = props["Description"]
    arn = c.secretsmanager.create_secret(**kwargs)["ARN"]
    ids.set(logical, arn, Id=arn)


def _kms_key(c: Clients, logical: str, props: dict[str, Any], ids: PhysicalIds) -> None:
    kwargs: dict[str, Any] = {"KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT")}
    if "Description" in props:
        kwargs["Description"] = props["Description"]
    metadata = c.kms.create_key(**kwargs)["KeyMetadata"]
    ids.set(logical, metadata["KeyId"], Arn=metadata["Arn"], KeyId=metadata["KeyId"])


CREATORS: dict[str, Callable[[Clients, str, dict[str, Any], PhysicalIds], None]] = {
    "AWS::DynamoDB::Table": _table,
    "AWS::S3::Bucket": _bucket,
    "AWS::SNS::Topic": _topic,
    "AWS::SQS::Queue": _queue,
    "AWS::SNS::Subscription": _subscription,
    "AWS::IAM::Role": _role,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::KMS::Key": _kms_key,
}


def create_resources(template: Template, clients: Clients) -> list[str]:
    """Create every supported resource; returns the logical ids created."""
    created, skipped = [], []
    for logical in template.order():
        rtype = template.resources[logical].get("Type", "")
        creator = CREATORS.get(rtype)
        if creator is None:
            skipped.append(f"{logical} ({rtype})")
            continue
        try:
            creator(clients, logical, template.props(logical), template.physical)
        except (ClientError, KeyError) as exc:
            raise ResourceError(f"cannot create {logical} ({rtype}): {exc}") from exc
        created.append(logical)
    for logical in template.of_type("AWS::S3::Bucket"):
        config = bucket_notification(template.props(logical))
        if config:
            clients.s3.put_bucket_notification_configuration(
                Bucket=template.physical.refs[logical], NotificationConfiguration=config
            )
    log.info("created %d resources: %s", len(created), ", ".join(created))
    log.debug("no local meaning, not created: %s", ", ".join(skipped))
    return created
