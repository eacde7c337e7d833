"""End-to-end fixtures: the real local stack (template.yaml) on loopback, once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from local.runtime import MIN_TIMEOUT_ENV
from local.stack import LocalStack

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Project:
    project_id: str
    token: str
    signing_secret: str = ""
    access_key_id: str = ""
    access_key_secret: str = ""


class Api:
    """A tiny client: every call goes over HTTP to the local API gateway."""

    def __init__(self, stack: LocalStack) -> None:
        self.stack = stack
        self.endpoint = stack.endpoint
        self.http = requests.Session()

    def call(self, method: str, path: str, token: str | None, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers.setdefault("X-Auth-Token", token)
        return self.http.request(method, self.endpoint + path, headers=headers, timeout=30, **kwargs)

    def aws(self, service: str) -> Any:
        env = self.stack.aws_env
        return boto3.client(
            service,
            endpoint_url=env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def busy_workers(self, logical_id: str) -> list[int]:
        """Process ids of the function's workers that are running an invocation now."""
        pool = self.stack.runtime.pool(logical_id)
        return [w.proc.pid for w in pool.busy()]

    def ref(self, logical_id: str) -> str:
        return self.stack.physical_ids[logical_id]

    def new_project(self, name: str) -> Project:
        created = self.stack.create_project_doc(name)
        return Project(
            created["project_id"],
            created["token"],
            created.get("signing_secret", ""),
            created.get("access_key_id", ""),
            created.get("access_key_secret", ""),
        )


@pytest.fixture(scope="session")
def api() -> Iterator[Api]:
    fast_callbacks = {
        "MEDIAFLOW_ALLOW_LOOPBACK": "true",  # test receivers live on 127.0.0.1
        "MEDIAFLOW_CALLBACK_RETRY_BASE_S": "0.2",  # seconds instead of minutes between attempts
        "MEDIAFLOW_CALLBACK_RETRY_WINDOW_S": "4",  # give up after seconds instead of a day
        "MEDIAFLOW_HEARTBEAT_S": "1",  # crash recovery in seconds: a worker silent for 8 s is dead
        "MEDIAFLOW_STALE_AFTER_S": "8",
        "MEDIAFLOW_JOB_MAX_ATTEMPTS": "2",
    }
    # A 30 s transcoding invocation: a minute of 720p does not fit one, so it is split (the e2e
    # split test); the other tests' clips are seconds long and run in one pass.
    short = {"TranscodeWorkerTimeout": 30}
    os.environ.setdefault(MIN_TIMEOUT_ENV, "15")  # as `python -m local` does (local/runtime.py)
    with LocalStack(REPO, extra_env=fast_callbacks, parameter_overrides=short) as stack:
        yield Api(stack)


MPC_SDK_CALLS: set[tuple[str, str]] = set()  # (method, resource path) of every huaweicloudsdkmpc call


@pytest.fixture(scope="session", autouse=True)
def mpc_sdk_calls() -> Iterator[set[tuple[str, str]]]:
    """Every call any e2e test makes through huaweicloudsdkmpc is recorded, and its answer is
    type-checked against the SDK's model (tests/support/sdk_models.py): the coverage test in
    test_sdk_huawei.py runs last and needs every template route the SDK offers to have been called."""
    from huaweicloudsdkmpc.v1 import MpcClient

    from tests.support.sdk_models import response_mismatches

    original = MpcClient._call_api

    def recording(self: Any, **http_info: Any) -> Any:
        MPC_SDK_CALLS.add((http_info["method"], http_info["resource_path"]))
        response = original(self, **http_info)
        assert response_mismatches(response) == [], http_info["resource_path"]
        return response

    MpcClient._call_api = recording  # type: ignore[method-assign]
    try:
        yield MPC_SDK_CALLS
    finally:
        MpcClient._call_api = original  # type: ignore[method-assign]


# The files whose tests call huaweicloudsdkmpc: they share one worker (and one stack) when the
# suite runs on two (``-n 2 --dist loadfile``), so the route-coverage check sees all their calls.
MPC_SDK_FILES = frozenset(
    {"test_media_operations.py", "test_packaging.py", "test_sdk_flow.py", "test_sdk_huawei.py"}
)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` with the MPC SDK files as one unit: each file runs whole on one worker
    (its module fixtures and its order stay as written). (``--dist loadgroup`` would say this with
    markers, but pytest-xdist 3.8 renames the node ids for it in a way pytest 9.2 ignores.)"""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class E2EScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return "mpc-sdk" if Path(file).name in MPC_SDK_FILES else file

    return E2EScheduling(config, log)


# The longest files (fuzzing, the README's every block, the sample events, a split task) start
# first, so that on two workers neither is left with one of them at the end.
LONGEST_FIRST = ("test_fuzz.py", "test_readme.py", "test_local_invoke.py", "test_split_transcoding.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first; the SDK route-coverage check after every other e2e test."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file keeps its own order
    last = [
        item
        for item in items
        if item.name == "test_every_template_route_the_sdk_offers_was_called_through_it"
    ]
    items[:] = [item for item in items if item not in last] + last


@pytest.fixture(scope="session")
def clip_dir(ffmpeg_bin_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-clips")
