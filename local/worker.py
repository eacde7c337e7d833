"""One warm Lambda execution environment: imports a handler once and serves invocations.

Started by ``local.runtime`` as ``python local/worker.py CONFIG_JSON``; standard library only and
run by path (not ``-m``) so nothing of the local stack is importable by the function.  Requests and
responses are JSON lines on two dedicated pipe fds, so whatever the function prints (stdout,
stderr, child processes such as ffmpeg) can only end up in the logs, never in the protocol.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method handlers use from the Python runtime's context object."""

    def __init__(self, config: dict[str, Any], request: dict[str, Any]) -> None:
        self.function_name: str = config["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = config["function_arn"]
        self.memory_limit_in_mb: int = int(config["memory_size"])
        self.aws_request_id: str = request["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = config["log_stream"]
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = request["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _load(handler: str) -> Any:
    module_name, _, function_name = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        traceback.print_exc()
        raise _InitError(_error(exc, "Runtime.ImportModuleError")) from exc
    try:
        return getattr(module, function_name)
    except AttributeError as exc:
        raise _InitError(_error(exc, "Runtime.HandlerNotFound")) from exc


class _InitError(Exception):
    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload["errorMessage"])
        self.payload = payload


def main() -> None:
    config = json.loads(sys.argv[1])
    del sys.path[0]  # this script's directory (local/) must not shadow the function's modules
    sys.path[:0] = config["pythonpath"]
    for fd in (config["request_fd"], config["response_fd"]):
        os.set_inheritable(fd, False)  # processes the function starts must not hold the protocol open
    requests = os.fdopen(config["request_fd"], "rb")
    responses = os.fdopen(config["response_fd"], "wb")

    def send(message: dict[str, Any]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        responses.write(json.dumps(message).encode() + b"\n")
        responses.flush()

    started = time.monotonic()
    handler: Any = None
    init_error = None
    try:
        handler = _load(config["handler"])
    except _InitError as exc:
        init_error = exc.payload
    send({"type": "ready", "init_ms": (time.monotonic() - started) * 1000, "error": init_error})

    for line in requests:
        request = json.loads(line)
        if init_error is not None:
            send({"type": "result", "error": init_error})
            continue
        context = LambdaContext(config, request)
        try:
            result = handler(request["event"], context)
        except Exception as exc:
            print(f"[ERROR] {type(exc).__name__}: {exc}", file=sys.stderr)
            traceback.print_exc()
            send({"type": "result", "error": _error(exc)})
            continue
        try:
            send({"type": "result", "result": result})
        except (TypeError, ValueError) as exc:
            send({"type": "result", "error": _error(exc, "Runtime.MarshalError")})


if __name__ == "__main__":
    main()
