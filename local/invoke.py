"""``python -m local invoke <LogicalId> -e EVENT.json``: one function, once, like ``sam local invoke``.

``sam local invoke`` needs Docker; this runs the function the way the local stack runs it (its own
worker process, the template's environment, its layers) against the *running* local stack, whose
physical ids (table, bucket, queue URLs...) ``python -m local`` wrote to
``.mediaflow/local-stack.json``.  Output follows ``sam local invoke``: the function's logs framed by
START / END / REPORT lines on stderr, the response (or the Lambda error payload) as JSON on stdout.
Exit status: 0 when the function returned, 1 when it raised, timed out or crashed, 2 on bad usage.
"""

from __future__ import annotations

import argparse
import json
import logging
import socket
import sys
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from local.cfn import PhysicalIds
from local.layers import LayerSet
from local.moto_server import function_env
from local.runtime import Invocation, Runtime
from local.template import Template

REPO = Path(__file__).resolve().parent.parent
STATE = Path(".mediaflow") / "local-stack.json"
# the working directory's stack (where `make run` was started), else this checkout's
DEFAULT_STATE = STATE if STATE.is_file() else REPO / STATE


class UsageError(Exception):
    """Bad arguments or no running stack: exit status 2 with one line."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local invoke", description=__doc__.split("\n\n")[0])
    parser.add_argument("function", metavar="LogicalId", help="a template function, e.g. GetVideoFunction")
    parser.add_argument("-e", "--event", type=Path, help="event JSON file ('-' reads stdin; default {})")
    parser.add_argument("--state", type=Path, default=DEFAULT_STATE, help="the running stack's state file")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra variable")
    return parser.parse_args(argv)


def load_state(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise UsageError(f"{path} not found: start the local stack first (make run)")
    state = dict(json.loads(path.read_text(encoding="utf-8")))
    moto = urlsplit(state["moto_endpoint"])
    try:  # the state file outlives a stopped stack: is its moto still listening? (a connect is cheap)
        socket.create_connection((moto.hostname or "127.0.0.1", moto.port or 80), timeout=3).close()
    except OSError as exc:
        raise UsageError(f"the local stack in {path} is not running (make run): {exc}") from exc
    return state


def load_event(path: Path | None) -> Any:
    if path is None:
        return {}
    text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{path}: not JSON ({exc})") from exc


class _Collect(logging.Handler):
    """Keeps one function's output (``[LogicalId] line``) to print it framed once it ended."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(self.prefix):
            self.lines.append(message[len(self.prefix) :])


@dataclass
class Result:
    """One invocation: the outcome and the function's output lines (START/END/REPORT framed)."""

    outcome: Invocation
    lines: list[str]

    @property
    def payload(self) -> Any:
        return self.outcome.error if self.outcome.error is not None else self.outcome.result


def run(state: dict[str, Any], function_id: str, event: Any, env: dict[str, str] | None = None) -> Result:
    """Invoke ``function_id`` once in a fresh worker against the stack described by ``state``."""
    template = Template.load(Path(state["template"]), state["parameters"], state["stack_name"])
    template.physical = PhysicalIds(dict(state["physical"]["refs"]), dict(state["physical"]["attrs"]))
    functions = template.functions()
    if function_id not in functions:
        known = ", ".join(sorted(functions))
        raise UsageError(f"{function_id} is not a function of {template.path.name}: {known}")
    # a name of its own, so its output is told apart from the running stack's workers of that function
    fn = replace(functions[function_id], logical_id=f"{function_id}~{uuid.uuid4().hex[:8]}")
    extra = {**state["extra_env"], **(env or {})}
    runtime = Runtime({fn.logical_id: fn}, LayerSet(REPO), function_env(state["moto_endpoint"], extra), 1)
    collected = _Collect(f"[{fn.logical_id}] ")
    functions_log = logging.getLogger("local.functions")
    functions_log.addHandler(collected)
    if functions_log.getEffectiveLevel() > logging.INFO:
        functions_log.setLevel(logging.INFO)
    try:
        outcome = runtime.invoke_raw(fn.logical_id, event)
    finally:
        runtime.close()  # joins the log pumps: every line the function printed is collected
        functions_log.removeHandler(collected)
    output = [line for line in collected.lines if not line.startswith("REPORT RequestId:")]
    report = [line for line in collected.lines if line.startswith("REPORT RequestId:")]
    lines = [
        f"Invoking {fn.handler} ({fn.runtime or 'python3.12'}) - {function_id}",
        f"START RequestId: {outcome.request_id} Version: $LATEST",
        *output,
        f"END RequestId: {outcome.request_id}",
        *report,
    ]
    return Result(outcome, lines)


def invoke(args: argparse.Namespace) -> int:
    state = load_state(args.state)
    event = load_event(args.event)
    result = run(state, args.function, event, dict(e.split("=", 1) for e in args.env))
    print(*result.lines, sep="\n", file=sys.stderr, flush=True)
    print(json.dumps(result.payload), flush=True)
    return 0 if result.outcome.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s", stream=sys.stderr)
    functions_log = logging.getLogger("local.functions")
    functions_log.setLevel(logging.INFO)
    functions_log.propagate = False
    try:
        return invoke(args)
    except UsageError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
