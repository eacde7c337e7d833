"""The local stack's edge (local/edge.py) does what the template's CloudFront Function does: the
same cases run through the template's own JavaScript in node and through the Python twin."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from local import edge
from local.apigw import Request
from local.template import Template

REPO = Path(__file__).resolve().parents[2]
CASES = [
    # (method, path, query, headers) -> the path the API sees
    ("POST", "/", "", {"host": "127.0.0.1:3000", "x-acs-action": "CreateUploadVideo"}),
    ("POST", "/", "Action=GetVideoInfo&VideoId=x", {"host": "vod.example.com"}),
    ("POST", "/", "Action=GetVideoInfo", {"host": "h", "x-acs-action": "RefreshUploadVideo"}),
    ("POST", "/", "Action=..%2Fv1", {"host": "h"}),
    ("POST", "/", "", {"host": "h", "x-acs-action": "Get Video"}),
    ("GET", "/", "", {"host": "h"}),
    ("POST", "/v1/p/transcodings", "Action=X", {"host": "h", "x-acs-action": "X"}),
    ("GET", "/jobs", "", {"host": "bucket.ci.example.com", "x-forwarded-host": "forged.example.com"}),
]
DRIVER = """
%s
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([method, uri, query, headers]) => {
  const querystring = {};
  for (const pair of query ? query.split('&') : []) {
    const [k, v] = pair.split('=');
    if (!(k in querystring)) querystring[k] = {value: decodeURIComponent(v || '')};
  }
  const hs = {};
  for (const [k, v] of Object.entries(headers)) hs[k] = {value: v};
  const r = handler({request: {method, uri, querystring, headers: hs}});
  return [r.uri, r.headers['x-forwarded-host'] ? r.headers['x-forwarded-host'].value : null];
});
process.stdout.write(JSON.stringify(out));
"""


def _python(case: tuple[str, str, str, dict[str, str]]) -> list[str | None]:
    method, path, query, headers = case
    seen = edge.rewrite(Request(method, path, query, list(headers.items()), b""))
    return [seen.path, seen.header("x-forwarded-host")]


def test_the_twin_agrees_with_the_template_s_cloudfront_function() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed (make test installs it)")
    code = edge.function_code(Template.load(REPO / "template.yaml"))
    assert code is not None
    done = subprocess.run(
        [node, "-e", DRIVER % code],
        input=json.dumps(CASES),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(done.stdout) == [_python(case) for case in CASES]


def test_the_twin_moves_only_a_valid_action_of_the_root_into_the_path() -> None:
    assert [_python(case)[0] for case in CASES] == [
        "/acs/CreateUploadVideo",
        "/acs/GetVideoInfo",
        "/acs/RefreshUploadVideo",
        "/",
        "/",
        "/",
        "/v1/p/transcodings",
        "/jobs",
    ]
    assert _python(CASES[-1])[1] == "bucket.ci.example.com"  # the viewer's Host, never a forged one
