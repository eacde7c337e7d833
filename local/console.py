"""Serves the web console's static files at ``/console/`` on the local API's own origin.

Same origin as the API, so the local console needs no CORS for its API calls (a deployed console
lives on CloudFront and relies on the API's CORS). Only files inside the console directory are
served; ``vendor/`` is built by ``make console`` (hls.js from npm).
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

PREFIX = "/console"
TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".html": "text/html"}
Response = tuple[int, list[tuple[str, str]], bytes]


def serve(root: Path, path: str) -> Response | None:
    """The answer for a ``/console...`` path; None when ``path`` is not the console's."""
    if path != PREFIX and not path.startswith(PREFIX + "/"):
        return None
    if path == PREFIX:
        return 302, [("Location", PREFIX + "/")], b""
    relative = unquote(path[len(PREFIX) + 1 :]) or "index.html"
    base = root.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base) or not target.is_file() or relative.startswith("."):
        return 404, [("Content-Type", "text/plain")], b"not found\n"
    kind = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if kind.startswith("text/"):
        kind += "; charset=utf-8"
    headers = [("Content-Type", kind), ("Cache-Control", "no-cache"), ("X-Content-Type-Options", "nosniff")]
    return 200, headers, target.read_bytes()
