"""A moto server holding the template's own resources, for integration tests.

Resources and the functions' environment variables come from template.yaml through the local
stack's template loader, so tests cannot drift from the stack.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3

from local.moto_server import MotoServer
from local.resources import Clients, create_resources
from local.template import Template

REPO = Path(__file__).resolve().parents[2]
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


@dataclass
class MotoStack:
    endpoint: str
    template: Template
    env: dict[str, str]

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name="us-east-1")

    def ref(self, logical_id: str) -> str:
        return str(self.template.physical.refs[logical_id])

    def attr(self, logical_id: str, name: str) -> str:
        return str(self.template.physical.attrs[logical_id][name])


def function_env(template: Template, endpoint: str) -> dict[str, str]:
    """Every function's template variables (they agree on shared keys) plus local values."""
    env: dict[str, str] = {}
    for fn in template.functions().values():
        env.update(fn.environment)
    env.update(AWS_ENV)
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "MEDIAFLOW_S3_PUBLIC_ENDPOINT": endpoint,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "GCONV_PATH": "/dev/null",
        }
    )
    return env


@contextmanager
def moto_stack() -> Iterator[MotoStack]:
    server = MotoServer(port=0)  # the local stack's moto: S3 events carry versionId as on AWS
    server.start()
    endpoint = f"http://127.0.0.1:{server.port}"
    try:
        template = Template.load(REPO / "template.yaml")
        create_resources(template, Clients(endpoint))
        yield MotoStack(endpoint, template, function_env(template, endpoint))
    finally:
        server.stop()


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def subscribe_events(stack: MotoStack) -> str:
    """A queue of the test's own on the domain-event topic (raw delivery), standing in for a
    user's subscriber; returns its URL."""
    sqs, sns = stack.client("sqs"), stack.client("sns")
    url = sqs.create_queue(QueueName=f"subscriber-{os.urandom(4).hex()}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=stack.ref("EventsTopic"),
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return str(url)


def received_events(stack: MotoStack, queue_url: str) -> list[dict[str, Any]]:
    """Every domain event delivered to ``queue_url`` so far (and removes them from the queue)."""
    import json

    sqs, found = stack.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return found
