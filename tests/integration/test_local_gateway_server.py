"""The local gateway's HTTP server (issue 16): a crowd of connections is served, none reset; odd
requests get API Gateway's answers, never a dropped connection or http.server's 501."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from local.gateway import Gateway, GatewayServer
from local.runtime import Invocation
from local.views import Api, Route

API = Api("Api", "abc123defg", "dev")
ROUTES = [Route("Echo", "Api", "/v1/{project_id}/echo", "POST", "Api")]


def slow_echo(function_id: str, event: Any) -> Invocation:
    time.sleep(0.05)  # a function that takes a while, so connections pile up
    return Invocation("r", result={"statusCode": 200, "body": event.get("body") or ""})


@pytest.fixture
def server() -> Iterator[GatewayServer]:
    running = GatewayServer(Gateway({"Api": API}, ROUTES, slow_echo, None), port=0)
    running.start()
    yield running
    running.stop()


def raw(server: GatewayServer, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
        conn.sendall(request)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def test_300_concurrent_connections_are_all_answered(server: GatewayServer) -> None:
    count, outcomes = 300, []
    start = threading.Barrier(count)
    lock = threading.Lock()

    def call(index: int) -> None:
        start.wait()
        try:
            response = requests.post(
                f"{server.endpoint}/v1/p/echo", data=f"n{index}", headers={"Connection": "close"}, timeout=60
            )
            outcome: Any = (response.status_code, response.text == f"n{index}")
        except requests.RequestException as exc:
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert outcomes.count((200, True)) == count, [o for o in outcomes if o != (200, True)][:5]


@pytest.mark.parametrize(
    ("request_line", "status"),
    [
        (b"TRACE /v1/p/echo HTTP/1.1", b"403"),  # no route: API Gateway's Missing Authentication Token
        (b"BREW /v1/p/echo HTTP/1.1", b"403"),
        (b"POST //[x/echo HTTP/1.1", b"403"),  # not a host: a path that matches nothing
        (b"POST /v1/p/echo?a=%ff&b HTTP/1.1", b"200"),
    ],
)
def test_odd_requests_get_gateway_answers(server: GatewayServer, request_line: bytes, status: bytes) -> None:
    answer = raw(server, request_line + b"\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == status, answer[:200]


@pytest.mark.parametrize(("length", "status"), [(b"abc", b"400"), (b"-5", b"400"), (b"10485761", b"413")])
def test_bad_or_oversized_content_length(server: GatewayServer, length: bytes, status: bytes) -> None:
    answer = raw(server, b"POST /v1/p/echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n")
    assert answer.split(b"\r\n", 1)[0].split(b" ")[1] == status, answer[:200]
