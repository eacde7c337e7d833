"""The local moto serializes DynamoDB: concurrent TransactWriteItems never answer 500 (moto 5.2
deep-copies every table inside a transaction while other threads write to it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from local.moto_server import MotoServer


@pytest.fixture
def moto() -> Iterator[MotoServer]:
    server = MotoServer(port=0)
    server.start()
    yield server
    server.stop()


def test_concurrent_transactions_do_not_fail(moto: MotoServer) -> None:
    client = boto3.client(
        "dynamodb",
        endpoint_url=moto.endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=16),  # see every 500
    )
    client.create_table(
        TableName="t",
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(200):  # a table big enough that deep-copying it takes a while
        client.put_item(TableName="t", Item={"pk": {"S": f"seed{i}"}, "doc": {"S": "x" * 200}})
    errors: list[str] = []

    def writer(worker: int) -> None:
        for n in range(20):
            try:
                client.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": "t", "Item": {"pk": {"S": f"w{worker}-{n}-a"}}}},
                        {"Put": {"TableName": "t", "Item": {"pk": {"S": f"w{worker}-{n}-b"}}}},
                    ]
                )
                client.put_item(TableName="t", Item={"pk": {"S": f"p{worker}-{n}"}})
            except ClientError as exc:
                errors.append(str(exc))

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert client.scan(TableName="t", Select="COUNT")["Count"] == 200 + 6 * 20 * 3
