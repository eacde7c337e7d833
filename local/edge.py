"""The SDK endpoint's edge function (``SdkEdgeFunction``, a CloudFront Function) for the local stack.

In AWS the vendors' SDKs reach the API through a CloudFront distribution whose viewer-request
function moves Alibaba's RPC action (``x-acs-action`` header, else the ``Action`` query parameter)
from ``POST /`` into the path, ``/acs/<Action>``, and keeps the viewer's Host in ``X-Forwarded-Host``.
The gateway runs this twin in front of every request when the template has that function;
``tests/unit/test_local_edge.py`` runs the template's own JavaScript in node on the same cases.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import parse_qsl

from local import apigw
from local.template import Template

FUNCTION_TYPE = "AWS::CloudFront::Function"
ACTION = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,99}$")


def function_code(template: Template) -> str | None:
    """The edge function's JavaScript, when the template puts one in front of the API."""
    for logical in template.of_type(FUNCTION_TYPE):
        code = template.resources[logical].get("Properties", {}).get("FunctionCode")
        if isinstance(code, str):
            return code
    return None


def rewrite(req: apigw.Request) -> apigw.Request:
    headers = [(k, v) for k, v in req.headers if k.lower() != "x-forwarded-host"]
    host = req.header("host")
    if host is not None:
        headers.append(("X-Forwarded-Host", host))
    path = req.path
    if path == "/":
        query = [v for k, v in parse_qsl(req.query, keep_blank_values=True) if k == "Action"]
        action = req.header("x-acs-action") or (query[0] if query else "")
        if ACTION.match(action):
            path = "/acs/" + action
    return replace(req, path=path, headers=headers)
