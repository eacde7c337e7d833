"""`python -m local invoke`: every events/ sample runs against the running local stack, in sam's shape."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from local import invoke as local_invoke
from local.template import Template
from tests.e2e.conftest import REPO, Api

FUNCTIONS = Template.load(REPO / "template.yaml").functions()
API_FUNCTIONS = {route.function_id for route in Template.load(REPO / "template.yaml").routes()}


def invoke(
    state: Path, function_id: str, event: Path | None, *extra: str
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "local", "invoke", function_id, "--state", str(state), *extra]
    if event is not None:
        command += ["-e", str(event)]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def state(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("invoke") / "local-stack.json"
    path.write_text(json.dumps(api.stack.state()))
    return path


def test_every_sample_event_runs_in_sam_local_invoke_shape(api: Api) -> None:
    state = api.stack.state()
    samples = {fid: REPO / "events" / f"{fn.code_uri.name}.json" for fid, fn in FUNCTIONS.items()}

    def one(item: tuple[str, Path]) -> local_invoke.Result:
        return local_invoke.run(state, item[0], json.loads(item[1].read_text()))

    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = dict(zip(samples, pool.map(one, samples.items()), strict=True))
    failures = []
    for function_id, result in sorted(runs.items()):
        answer, outcome = result.payload, result.outcome
        framed = [line.split(" RequestId: ")[0] for line in result.lines if " RequestId: " in line]
        if function_id == "AuthorizerFunction":  # the sample's token is a placeholder: refused
            ok = not outcome.ok and answer["errorMessage"] == "Unauthorized"
        elif function_id in API_FUNCTIONS:  # a family answer (often 404: the sample's ids are made up)
            ok = outcome.ok and isinstance(answer, dict) and 200 <= answer["statusCode"] < 500
        else:
            ok = outcome.ok
        if not ok or framed != ["START", "END", "REPORT"]:
            failures.append(f"{function_id}: {json.dumps(answer)[:500]}\n" + "\n".join(result.lines)[-1500:])
    assert not failures, "\n\n".join(failures)


def test_the_command_prints_logs_on_stderr_and_the_answer_on_stdout(state: Path) -> None:
    done = invoke(state, "GetVideoFunction", REPO / "events" / "get_video.json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["statusCode"] == 404  # the sample names a video nobody created
    assert "InvalidVideo.NotFound" in done.stderr  # the function's own log line
    assert [line.split(" ")[0] for line in done.stderr.splitlines() if " RequestId: " in line] == [
        "START",
        "END",
        "REPORT",
    ]


def test_an_error_exits_non_zero_with_the_lambda_error_payload(state: Path, tmp_path: Path) -> None:
    event = tmp_path / "bad.json"
    event.write_text('{"Records": "not a list"}')
    done = invoke(state, "UploadEventFunction", event)
    assert done.returncode == 1, done.stderr
    assert {"errorMessage", "errorType"} <= set(json.loads(done.stdout))


def test_usage_errors_say_what_is_wrong(state: Path, tmp_path: Path) -> None:
    done = invoke(state, "NoSuchFunction", None)
    assert done.returncode == 2 and "not a function" in done.stderr
    done = invoke(
        tmp_path / "missing.json", "GetVideoFunction", None, "--state", str(tmp_path / "missing.json")
    )
    assert done.returncode == 2 and "make run" in done.stderr
