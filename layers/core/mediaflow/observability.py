"""Logger and Metrics shared by every function; the Tracer is created only when tracing is live
and wraps the workers' phases (``tracer_span``).

Importing ``aws_xray_sdk`` costs ~115 ms of cold start, so the Tracer is built on first use and
only inside Lambda with an active X-Ray trace header - never locally, never in tests.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()


@cache
def tracer() -> Any | None:
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "").lower() in ("1", "true"):
        return None
    if not os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or not os.environ.get("_X_AMZN_TRACE_ID"):
        return None
    from aws_lambda_powertools import Tracer

    return Tracer()


@contextlib.contextmanager
def tracer_span(name: str) -> Iterator[None]:
    """An X-Ray subsegment around a worker phase when tracing is live; nothing otherwise."""
    live = tracer()
    if live is None:
        yield
        return
    with live.provider.in_subsegment(f"## {name}"):
        yield
